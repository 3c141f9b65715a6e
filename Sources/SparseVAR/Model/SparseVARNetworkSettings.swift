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
        "Encoder (and decoder) blocks; 0 = chosen from the training dataset."),
      .integer(
        501, "channels", \.architecture.channels, in: 1...4096, default: 32, architecture: true,
        "Channels of the hidden 3x3 convolutions."),
      .integer(
        502, "latent_channels", \.architecture.latentChannels, in: 1...4096, default: 1, architecture: true,
        "Channels of the latent map."),
      .flag(
        503, "skip_connection", \.architecture.skipConnection, default: true, architecture: true,
        "Encode x_t - xbar and decode (d_t + 1) * xbar."),
      .flag(
        504, "literal_last_block", \.architecture.literalLastBlock, default: false, architecture: true,
        "Keep batch norm and leaky ReLU in the last decoder block."),
      .integer(
        505, "seed", \.architecture.seed, in: 0...1e15, default: 0, architecture: true,
        "Seed of the weight initialisation."),
      .real(
        506, "encoder_slope", \.architecture.encoderSlope, from: 0, to: 1, default: 1, architecture: true,
        "Slope of the encoder's leaky ReLUs for negative inputs: 1 = no activation, 0.01 = the paper's."),
    ]
    let mode = Setting<SparseVARNetworkSettings>(
      id: 510, name: "training_mode", kind: .choice, lower: 0, upper: 2, default: 2,
      doc: "How the VAR takes part in training: sequential, embedded or end-to-end.",
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
      doc: "Gradient through the lasso solutions in the end-to-end mode: unrolled or implicit.",
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
        524, "intercept", \.training.varOptions.intercept, VARIntercept.allCases, default: .seriesMean,
        "The VARs' intercept: none or series_mean (fitted around the latents' temporal mean); columns is refused."),
      .real(530, "learning_rate", \.training.learningRate, from: 0, excludingLower: true, default: 3e-3, "Adam's learning rate."),
      .integer(531, "epochs", \.training.epochs, in: 0...1e9, default: 10, "Epochs run by each training call."),
      .integer(532, "window", \.training.window, in: 3...1e9, default: 64, "Frames per training window."),
      .integer(533, "shuffle_seed", \.training.seed, in: 0...1e15, default: 0, "Seed of the window order."),
    ]
    let tests = PairwiseGroupTestOptions.parameters.map {
      $0.lifted(to: \SparseVARNetworkSettings.tests, id: $0.id + 240, name: "test_" + $0.name)
    }
    let readout = Setting<SparseVARNetworkSettings>(
      id: 550, name: "map_readout", kind: .choice, lower: 0, upper: 1, default: 0,
      doc: "How contribution maps are read out: latent grid (default) or the paper's decoder.",
      get: { Double($0.mapReadout.rawValue) },
      set: { s, value in s.mapReadout = MapReadout(rawValue: Int(value)) ?? .latentGrid })
    let threads: Setting<SparseVARNetworkSettings> = .threads(
      600, \.training.varOptions.threads, "Worker threads of the whole model (0 = all cores).")
    return architecture + [mode, gradient] + varRows + training + tests + [readout, threads]
  }
}
