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
      .real(101, "lambda", \.lambda, from: 0, default: 0.01, "l1 penalty lambda on the sigma-normalised problem."),
      .real(102, "eps_gamma", \.epsGamma, from: 0, default: 0, "LARS step-size stabiliser eps_gamma (0 = plain LARS)."),
      .flag(
        103, "normalize", \.normalize, default: true,
        "1 = divide the series by the standard deviation of all its entries, 0 = do not."),
      .choice(
        104, "intercept", \.intercept, ["none": VARIntercept.none, "columns": .columns, "series_mean": .seriesMean],
        default: .none,
        """
        Unpenalised intercept per output: none; columns (scikit-learn's fit_intercept: the lagged design's \
        columns and the targets are centred, b_j = mean(u_j) - mean(x)^T w_j); or series_mean (the \
        mean-adjusted VAR: fitted to the series minus its temporal mean m, forecasting m + sum_k A_k \
        (z_{t-k} - m), so b = (I - sum_k A_k) m / sigma).
        """),
      .integer(105, "max_iter", \.maxIterations, in: 0...1e9, default: 0, "Bound on LARS steps per output (0 = no bound)."),
      .choice(
        200, "criterion", \.criterion, ["none": nil, "aic": .aic, "bic": .bic], default: nil,
        "Choice of lambda per output: none (the lambda parameter for every output), or Akaike's or Bayes' criterion along each output's full lasso path."),
      .threads(400, \.threads, "Worker threads of a fit (0 = all cores). Results do not depend on it."),
    ]
  }
}
