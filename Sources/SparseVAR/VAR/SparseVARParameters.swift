//===--- SparseVARParameters.swift ----------------------------------------===//
//
// The parameter table of SparseVAROptions (the C sparsevar_var_param values).
//
//===----------------------------------------------------------------------===//

extension SparseVAROptions {
  /// The options set by number; the mask is set on its own.
  public static var parameters: [Setting<SparseVAROptions>] {
    [
      .integer(100, "lag", \.lag, in: 1...1000, default: 5, "VAR order p."),
      .real(101, "lambda", \.lambda, from: 0, default: 0.01, "l1 penalty on the sigma-normalised problem."),
      .real(102, "eps_gamma", \.epsGamma, from: 0, default: 0, "LARS step-size stabiliser (0 = plain LARS)."),
      .flag(103, "normalize", \.normalize, default: true, "Divide the series by the standard deviation of its entries."),
      .choice(
        104, "intercept", \.intercept, VARIntercept.allCases, default: .none,
        "Unpenalised intercept per output: none, columns (from the lagged design's column means) or series_mean (around the series' temporal mean)."),
      .integer(105, "max_iter", \.maxIterations, in: 0...1e9, default: 0, "Bound on LARS steps per output (0 = none)."),
      .choice(
        200, "criterion", \.criterion, [nil, .aic, .bic], default: nil,
        "Choice of lambda per output: none (the lambda parameter), AIC or BIC along the lasso path."),
      .threads(400, \.threads, "Worker threads of a fit (0 = all cores)."),
    ]
  }
}
