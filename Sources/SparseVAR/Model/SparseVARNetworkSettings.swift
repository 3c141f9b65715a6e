//===--- SparseVARNetworkSettings.swift -----------------------------------===//
//
// Everything a user of a SparseVARNetwork sets, and its parameter table (the C
// sparsevar_autoencoder_param values).
//
//===----------------------------------------------------------------------===//

/// A network's architecture, training options and group-test options. The lasso gradient is kept
/// on its own so that it is remembered while a mode other than end-to-end is chosen.
public struct SparseVARNetworkSettings: Sendable, Equatable {
  /// The architecture (fixed once the network has been trained).
  public var architecture = AutoencoderConfiguration()
  /// The training options; their mode's gradient is always `gradient`.
  public var training = TrainingOptions()
  /// The gradient of the end-to-end mode.
  public var gradient: LassoGradientMode = .implicit
  /// Options of the swap and influence tests.
  public var tests = PairwiseGroupTestOptions()
  /// How contribution maps are read out of the influence vectors.
  public var mapReadout: MapReadout = .latentGrid

  public init() {}

  /// The settings of a network as it is (its test options are the defaults).
  public init(of network: SparseVARNetwork) {
    architecture = network.network.configuration
    training = network.training
    if case .endToEnd(let g) = training.mode { gradient = g }
  }

  /// The training modes in the order of their numbers.
  static let modes = ["sequential", "embedded", "end_to_end"]

  /// The settings set by number: architecture 500-506, training 510-533, tests 540-543, maps
  /// 550, threads 600.
  public static var parameters: [Setting<SparseVARNetworkSettings>] {
    let architecture: [Setting<SparseVARNetworkSettings>] = [
      .integer(
        500, "depth", \.architecture.depth, in: 0...8, default: 0, architecture: true,
        """
        Encoder (and decoder) blocks; 0 = automatic: chosen at the first training from the frame size and the \
        shortest run, as the smallest depth whose latent size K is at most the shortest run's frames / 25 (the \
        deepest the frame allows when none is); the parameter keeps reading 0, the model's latent shape gives \
        the grid chosen. The paper's is 3. The frame height and width must be multiples of 2^depth.
        """),
      .integer(
        501, "channels", \.architecture.channels, in: 1...4096, default: 32, architecture: true,
        "Channels of the hidden 3x3 convolutions."),
      .integer(
        502, "latent_channels", \.architecture.latentChannels, in: 1...4096, default: 1, architecture: true,
        "Channels of the latent map. The latent size is K = latent_channels * (height / 2^depth) * (width / 2^depth)."),
      .flag(
        503, "skip_connection", \.architecture.skipConnection, default: true, architecture: true,
        """
        1 = skip connection: the encoder sees x_t - xbar and xhat_t = (d_t + 1) * xbar, with xbar the training \
        dataset's mean frame; 0 = none (xhat_t = d_t).
        """),
      .flag(
        504, "literal_last_block", \.architecture.literalLastBlock, default: false, architecture: true,
        """
        1 = the last decoder block keeps batch norm and leaky ReLU (the paper's literal block); 0 = a plain \
        linear 3x3 convolution there, so that the residual can take any sign.
        """),
      .integer(
        505, "seed", \.architecture.seed, in: 0...1e15, default: 0, architecture: true,
        "Seed of the weight initialisation."),
      .real(
        506, "encoder_slope", \.architecture.encoderSlope, from: 0, to: 1, default: 1, architecture: true,
        """
        Slope of the encoder's leaky ReLUs for negative inputs: 1 = no activation in the encoder (convolution, \
        batch norm and max pooling per block), which separated the synthetic conditions more often than the \
        paper's 0.01 (docs/validation.md). The decoder keeps 0.01.
        """),
    ]
    let mode = Setting<SparseVARNetworkSettings>(
      id: 510, name: "training_mode", kind: .choice, lower: 0, upper: 2, default: 2,
      options: modes,
      doc: """
        How the VAR takes part in training: sequential (the autoencoder is trained alone and the VARs are \
        fitted only in the analysis), embedded (a VAR is fitted on every window in the forward pass and the \
        decoder decodes its forecasts; its coefficients are constants in the backward pass) or end-to-end (as \
        embedded, with gradients also through the lasso solutions, see lasso_gradient).
        """,
      get: {
        switch $0.training.mode {
        case .sequential: 0
        case .embedded: 1
        case .endToEnd: 2
        }
      },
      set: { s, value in
        s.training.mode = value == 0 ? .sequential : value == 1 ? .embedded : .endToEnd(s.gradient)
      })
    let gradient = Setting<SparseVARNetworkSettings>(
      id: 511, name: "lasso_gradient", kind: .choice, lower: 0, upper: 1, default: 1,
      options: ["unrolled", "implicit"],
      doc: """
        Gradient through the lasso solutions in the end-to-end mode: unrolled (through every LARS step) or \
        implicit (from the optimality conditions at the solution).
        """,
      get: { $0.gradient == .unrolled ? 0 : 1 },
      set: { s, value in
        s.gradient = value == 0 ? .unrolled : .implicit
        if case .endToEnd = s.training.mode { s.training.mode = .endToEnd(s.gradient) }
      })
    let varRows = SparseVAROptions.parameters.filter { [100, 101, 102].contains($0.id) }.map {
      $0.lifted(to: \SparseVARNetworkSettings.training.varOptions, id: $0.id + 420, name: $0.name)
    }
    let training: [Setting<SparseVARNetworkSettings>] = [
      .choice(
        524, "intercept", \.training.varOptions.intercept,
        ["none": VARIntercept.none, "columns": .columns, "series_mean": .seriesMean], default: .seriesMean,
        """
        The VARs' intercept: series_mean fits every VAR to latents minus their temporal mean, each training \
        window's and in the analysis each run's, so that a run's constant offset in latent space (brightness, \
        baseline) enters neither its coefficients nor the group tests; forecasts add the mean back. none = the \
        paper's literal fit on the raw latents. columns is refused (invalid argument). Takes effect at the next \
        training and analysis.
        """),
      .real(
        530, "learning_rate", \.training.learningRate, from: 0, excludingLower: true, default: 3e-3,
        "Adam's learning rate (the default is the measured recipe; the paper's is 0.001)."),
      .integer(
        531, "epochs", \.training.epochs, in: 0...1e9, default: 10,
        "Epochs run by each training call (the default is the measured recipe)."),
      .integer(
        532, "window", \.training.window, in: 3...1e9, default: 64,
        """
        Frames per training window (one mini-batch); must be >= lag + 2 when training. Runs are cut into \
        non-overlapping windows; a run's tail shorter than lag + 2 frames is not trained on, a longer one is a \
        shorter window.
        """),
      .integer(
        533, "shuffle_seed", \.training.seed, in: 0...1e15, default: 0, "Seed of the window order, shuffled anew every epoch."),
    ]
    let tests = PairwiseGroupTestOptions.parameters.map {
      $0.lifted(to: \SparseVARNetworkSettings.tests, id: $0.id + 240, name: "test_" + $0.name)
    }
    let readout = Setting<SparseVARNetworkSettings>(
      id: 550, name: "map_readout", kind: .choice, lower: 0, upper: 1, default: 0,
      options: ["latent_grid", "decoder"],
      doc: """
        How contribution maps are read out of the runs' influence vectors: latent_grid (each pixel gets its \
        latent cell's influence, weighted by its relative temporal standard deviation; keeps the grid's \
        localisation) or decoder (the paper's: the influence decoded, times the mean frame). Takes effect at \
        the next map.
        """,
      get: { Double($0.mapReadout.rawValue) },
      set: { s, value in s.mapReadout = MapReadout(rawValue: Int(value)) ?? .latentGrid })
    let threads: Setting<SparseVARNetworkSettings> = .threads(
      600, \.training.varOptions.threads,
      "Worker threads of the whole model: network layers, VAR fits, swap test (0 = all cores). Results do not depend on it.")
    return architecture + [mode, gradient] + varRows + training + tests + [readout, threads]
  }
}
