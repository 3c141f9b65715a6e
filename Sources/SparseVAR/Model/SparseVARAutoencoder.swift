//===--- SparseVARAutoencoder.swift ---------------------------------------===//
//
// The method's estimator and its lifecycle, as the C library's sparsevar_autoencoder and the Python
// binding's SparseVARAutoencoder present it: settings that can change until the first training,
// a network built when first needed (an automatic depth is chosen from the first training's
// dataset, `Recipe`), an architecture fixed once a window has been trained (or the model loaded),
// and reads that never build or change anything.
//
//   created ──set──▶ untrained ──train (a window done)──▶ trained ──analyze──▶ analysed
//                      │  ▲                                  ▲
//                      └──┘ architecture changes             └── load
//                           drop the built network
//
//===----------------------------------------------------------------------===//

/// The estimator: frame size, settings, and the network once built.
public final class SparseVARAutoencoder {
  /// Frame size (after preprocessing) the estimator takes.
  public let height: Int
  public let width: Int
  /// Architecture, training, test and map settings. The architecture is fixed once trained.
  public private(set) var settings: SparseVARNetworkSettings
  /// The network, built from the architecture when first needed (nil again when the architecture
  /// changes before training). Its training options are always `settings.training`.
  public private(set) var network: SparseVARNetwork?
  /// At least one window has been trained (or the model was loaded): the architecture is fixed
  /// and the mean frame known.
  public private(set) var isTrained = false

  /// An untrained estimator for frames of `height` x `width` pixels.
  public init(height: Int, width: Int, settings: SparseVARNetworkSettings = .init()) {
    self.height = height
    self.width = width
    self.settings = settings
  }

  /// The estimator of a trained (for instance loaded) network.
  public init(trained network: SparseVARNetwork) {
    height = network.height
    width = network.width
    settings = SparseVARNetworkSettings(of: network)
    self.network = network
    isTrained = true
  }

  /// Replaces the settings. Changing the architecture of a trained estimator, or VAR options the
  /// network cannot fit (`DifferentiableVAR.validate`), throws `.invalidArgument` and keeps the
  /// settings; before training an architecture change drops the built network.
  public func update(_ new: SparseVARNetworkSettings) throws {
    try DifferentiableVAR.validate(new.training.varOptions)
    if new.architecture != settings.architecture {
      guard !isTrained else {
        throw SparseVARError.invalidArgument(
          "the network's architecture is fixed once the model has been trained or loaded: create a new model to change it")
      }
      network = nil
    }
    settings = new
    network?.training = new.training
  }

  /// The network, built now if needed. An automatic depth is resolved from `dataset`; without
  /// one, such a network cannot be built yet (`.notFitted`).
  public func builtNetwork(for dataset: FrameDataset? = nil) throws -> SparseVARNetwork {
    if let network { return network }
    var architecture = settings.architecture
    var recipe: String? = nil
    if architecture.depth == AutoencoderConfiguration.automaticDepth {
      guard let dataset else {
        throw SparseVARError.notFitted(
          "the depth is automatic (0): it is chosen from the run lengths at the first training; set the depth to fix it before")
      }
      guard dataset.outputHeight == height, dataset.outputWidth == width else {
        throw SparseVARError.shape(
          "the dataset's frames are \(dataset.outputHeight) x \(dataset.outputWidth) after preprocessing, "
            + "the model's \(height) x \(width)")
      }
      (architecture, recipe) = try Recipe.resolve(architecture, for: dataset)
    }
    // Built with default training options (always valid); the current ones are set after, and
    // validated by training itself, so that lag and window may be set in any order.
    let built = try SparseVARNetwork(configuration: architecture, height: height, width: width)
    built.training = settings.training
    built.recipe = recipe
    network = built
    return built
  }

  /// Trains for `settings.training.epochs` epochs on `dataset` (building the network first if
  /// needed); `progress` as `SparseVARNetwork.train`. Once a window has been trained the
  /// estimator is trained, also when training stops early or fails; when nothing was trained
  /// an automatic depth is chosen again by the next training.
  /// Returns the window losses, as `SparseVARNetwork.train`.
  @discardableResult
  public func train(on dataset: FrameDataset, progress: ((TrainingProgress) -> Bool)? = nil) throws -> [Double] {
    let automatic = network == nil && settings.architecture.depth == AutoencoderConfiguration.automaticDepth
    let net = try builtNetwork(for: dataset)
    var windowsDone = 0
    do {
      let losses = try net.train(on: dataset) { report in
        windowsDone += 1
        return progress?(report) ?? true
      }
      isTrained = true
      return losses
    } catch {
      if windowsDone > 0 {
        isTrained = true
      } else if automatic {
        network = nil
      }
      throw error
    }
  }

  /// The network once trained; never built here, so that reads do not write.
  public func trainedNetwork() throws -> SparseVARNetwork {
    guard isTrained, let network else {
      throw SparseVARError.notFitted("the model has not been trained yet: train it first")
    }
    return network
  }

  /// The network once trained and analysed.
  public func analysedNetwork() throws -> SparseVARNetwork {
    let n = try trainedNetwork()
    guard !n.runs.isEmpty else {
      throw SparseVARError.notFitted("no runs have been analysed yet: analyse a dataset first")
    }
    return n
  }

  /// Analysed run `run`.
  public func run(_ run: Int) throws -> RunAnalysis {
    let runs = try analysedNetwork().runs
    guard run >= 0, run < runs.count else {
      throw SparseVARError.invalidArgument(
        "unknown run \(run): the model has analysed \(runs.count) run\(runs.count == 1 ? "" : "s") (0..<\(runs.count))")
    }
    return runs[run]
  }
}
