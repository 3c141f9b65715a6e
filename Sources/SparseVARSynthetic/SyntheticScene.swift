//===--- SyntheticScene.swift ---------------------------------------------===//
//
// The static part of the synthetic field of view, laid out in micrometres from the seed and then
// rendered at the pixel size of the options:
//
//   vessels       quadratic Bezier curves from one edge to another, transmission
//                 T(p) = prod_v (1 - darkening * exp(-2 (d_v(p) / width_v)^2));
//   illumination  L(p) = (1 + gradient * s(p)) * (1 - vignetting * min(1, rho(p)^2)), s in
//                 [-1/2, 1/2] along a random direction, rho the distance from an off-centre
//                 point over the half diagonal;
//   haze          h(p) = sum_k a_k cos(2 pi <n_k, p> / lambda_k + phi_k) / RMS, 16 waves,
//                 lambda_k in 60-400 µm (log-uniform), a_k = lambda_k / 400;
//   background    B(p) = backgroundPhotons * L(p) * T(p) * max(0.05, 1 + hazeContrast * h(p));
//   assemblies    centres at least 1.8 assembly radii apart where the field allows, off vessels;
//   neurons       somata scattered uniformly in their assembly's disk (independent neurons over
//                 the whole field), off vessels, centres at least neuronSpacing * (r1 + r2)
//                 apart; each a soft ellipse with a raised-cosine edge (d in [0.75, 1.25] of the
//                 radius) and a darker nucleus, supersampled 4 x 4 per pixel;
//   photons       P_n(p) = F0_n * L(p) * T(p) * footprint_n(p), the soma's baseline.
//
// Pixel (i, j) covers [i, i+1) x [j, j+1) in pixel units; its centre is at (i + 1/2, j + 1/2),
// i.e. ((i + 1/2) s, (j + 1/2) s) µm for a pixel size s. Neuron and assembly centres are reported
// in these continuous pixel coordinates.
//
//===----------------------------------------------------------------------===//

import SparseVAR
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One simulated neuron: where it is, what it looks like and how it fires.
public struct SyntheticNeuron: Sendable, Equatable {
  /// Centre row, in pixels (continuous; pixel i spans [i, i + 1)).
  public var row: Double
  /// Centre column, in pixels.
  public var column: Double
  /// Soma radius (major semi-axis) in µm.
  public var radius: Double
  /// Minor over major semi-axis, in [0.75, 1].
  public var axisRatio: Double
  /// Orientation of the major axis in radians (from the row axis).
  public var orientation: Double
  /// Its assembly, or -1 for a neuron that belongs to none.
  public var assembly: Int
  /// F0: baseline photons per pixel per frame at full footprint (before illumination/vessels).
  public var baselinePhotons: Double
  /// Peak dF/F of one spike's transient.
  public var spikeAmplitude: Double
  /// Decay time constant of its calcium transients, in seconds.
  public var decayTime: Double
  /// Rate at latent 0, in Hz.
  public var baseRate: Double
  /// Weight of its latent in its log rate.
  public var participation: Double
  /// AR(1) coefficient of its own latent (independent neurons; 0 for assembly neurons).
  public var independentCoupling: Double
}

/// One assembly: a spatially compact group of neurons.
public struct SyntheticAssembly: Sendable, Equatable {
  /// Centre row and column of the disk its neurons lie in, in pixels.
  public var row: Double
  public var column: Double
  /// Radius of that disk in pixels.
  public var radius: Double
  /// Its neurons (indices into `neurons`).
  public var neurons: [Int]
  /// Whether its outgoing coupling differs between F and N.
  public var differing: Bool
}

/// A small image attached to a place in the frame: rows x columns values from (top, left).
struct SyntheticPatch: Sendable {
  var top: Int
  var left: Int
  var rows: Int
  var columns: Int
  var values: [Float]

  /// The pixel box of a patch reaching `reach` pixels around (row, column) (pixel units), cut to
  /// a height x width image: its top-left pixel and size (0 rows or columns when outside).
  static func bounds(row: Double, column: Double, reach: Double, height: Int, width: Int)
    -> (top: Int, left: Int, rows: Int, columns: Int)
  {
    let top = max(0, Int((row - reach).rounded(.down)))
    let bottom = min(height, Int((row + reach).rounded(.up)) + 1)
    let left = max(0, Int((column - reach).rounded(.down)))
    let right = min(width, Int((column + reach).rounded(.up)) + 1)
    return (top, left, max(0, bottom - top), max(0, right - left))
  }

  /// Adds `scale * values` into a height x width image (pointer to its first pixel).
  @inline(__always)
  func add(scale: Float, into image: UnsafeMutablePointer<Float>, width: Int) {
    values.withUnsafeBufferPointer { v in
      for r in 0..<rows {
        let out = image + (top + r) * width + left
        let row = r * columns
        for c in 0..<columns { out[c] += scale * v[row + c] }
      }
    }
  }

  /// The patch as a whole height x width image (zero elsewhere).
  func image(height: Int, width: Int) -> [Float] {
    var out = [Float](repeating: 0, count: height * width)
    for r in 0..<rows {
      for c in 0..<columns { out[(top + r) * width + left + c] = values[r * columns + c] }
    }
    return out
  }
}

/// A vessel's centre line, a polyline through dense samples of its Bezier curve, in µm.
struct SyntheticVessel {
  var points: [(y: Double, x: Double)]
  var width: Double
  var darkening: Double

  /// Squared distance from (y, x) to the segment from points[k] to points[k + 1].
  @inline(__always)
  func segmentDistance2(_ k: Int, y: Double, x: Double) -> Double {
    let a = points[k]
    let b = points[k + 1]
    let ey = b.y - a.y
    let ex = b.x - a.x
    let length2 = ey * ey + ex * ex
    var t = length2 > 0 ? ((y - a.y) * ey + (x - a.x) * ex) / length2 : 0
    t = min(1, max(0, t))
    let dy = a.y + t * ey - y
    let dx = a.x + t * ex - x
    return dy * dy + dx * dx
  }

  /// Distance in µm from (y, x) to the centre line.
  func distance(y: Double, x: Double) -> Double {
    var best = Double.infinity
    for k in 0..<(points.count - 1) { best = min(best, segmentDistance2(k, y: y, x: x)) }
    return best.squareRoot()
  }

  func transmission(distance d: Double) -> Double {
    1 - darkening * exp(-2 * (d / width) * (d / width))
  }
}

/// The laid-out, rendered static scene and everything the frames need from it.
struct SyntheticScene: Sendable {
  var neurons: [SyntheticNeuron]
  var assemblies: [SyntheticAssembly]
  /// B(p): background photons per pixel per frame (no somata), H x W.
  var background: [Float]
  /// B(p) + sum_n P_n(p): the expected photons with every soma at baseline, H x W.
  var baseline: [Float]
  /// Per neuron: P_n(p), its baseline photons (dF/F scales it).
  var photonPatches: [SyntheticPatch]
  /// Per neuron: its soft ellipse (no nucleus), in [0, 1].
  var maskPatches: [SyntheticPatch]
  /// Per assembly: npl * B(p) * G_m(p), scaled by the assembly's mean dF/F each frame.
  var neuropilPatches: [SyntheticPatch]

  /// Lays out and renders the scene (throws when the neurons do not fit in the field).
  static func make(_ o: SyntheticTwoPhotonOptions, network: SyntheticAssemblyNetwork) throws -> SyntheticScene {
    var random = SyntheticStream(seed: o.seed, purpose: .layout)
    let s = o.micronsPerPixel
    let fieldH = Double(o.height) * s
    let fieldW = Double(o.width) * s

    // Vessels.
    var vessels: [SyntheticVessel] = []
    func edgePoint(_ side: Int, _ t: Double) -> (y: Double, x: Double) {
      switch side {
      case 0: return (0, t * fieldW)
      case 1: return (t * fieldH, fieldW)
      case 2: return (fieldH, t * fieldW)
      default: return (t * fieldH, 0)
      }
    }
    for _ in 0..<o.vesselCount {
      let side0 = random.index(4)
      let side1 = (side0 + 1 + random.index(3)) % 4
      let p0 = edgePoint(side0, random.uniform(0.1...0.9))
      let p2 = edgePoint(side1, random.uniform(0.1...0.9))
      let p1 = (y: random.uniform(0.2...0.8) * fieldH, x: random.uniform(0.2...0.8) * fieldW)
      let width = random.uniform(o.vesselWidth)
      let length = hypot(p1.y - p0.y, p1.x - p0.x) + hypot(p2.y - p1.y, p2.x - p1.x)
      let count = max(16, min(100_000, Int((length / (width / 4)).rounded(.up)) + 1))
      var points: [(y: Double, x: Double)] = []
      points.reserveCapacity(count)
      for k in 0..<count {
        let t = Double(k) / Double(count - 1)
        let u = 1 - t
        points.append((
          u * u * p0.y + 2 * u * t * p1.y + t * t * p2.y,
          u * u * p0.x + 2 * u * t * p1.x + t * t * p2.x))
      }
      vessels.append(SyntheticVessel(points: points, width: width, darkening: o.vesselDarkening))
    }
    func transmission(y: Double, x: Double) -> Double {
      vessels.reduce(1) { $0 * $1.transmission(distance: $1.distance(y: y, x: x)) }
    }

    // Haze waves and illumination.
    var waves: [(ky: Double, kx: Double, phase: Double, amplitude: Double)] = []
    var power = 0.0
    for _ in 0..<16 {
      let wavelength = exp(random.uniform(log(60.0)...log(400.0)))
      let angle = random.uniform(0...(2 * Double.pi))
      let phase = random.uniform(0...(2 * Double.pi))
      let amplitude = wavelength / 400
      waves.append((2 * Double.pi * sin(angle) / wavelength, 2 * Double.pi * cos(angle) / wavelength, phase, amplitude))
      power += amplitude * amplitude / 2
    }
    let hazeScale = 1 / power.squareRoot()
    let rampAngle = random.uniform(0...(2 * Double.pi))
    let rampY = sin(rampAngle)
    let rampX = cos(rampAngle)
    let rampExtent = abs(fieldH * rampY) + abs(fieldW * rampX)
    let vignetteY = fieldH * (0.5 + random.uniform(-0.1...0.1))
    let vignetteX = fieldW * (0.5 + random.uniform(-0.1...0.1))
    let halfDiagonal2 = (fieldH * fieldH + fieldW * fieldW) / 4

    // Assembly centres.
    let m = o.assemblyCount
    let radius = o.assemblyRadius
    var centres: [(y: Double, x: Double)] = []
    let margin = min(0.7 * radius, min(fieldH, fieldW) / 4)
    var separation = 1.8 * radius
    while centres.count < m {
      var placed = false
      for _ in 0..<400 {
        let y = random.uniform(margin...(fieldH - margin))
        let x = random.uniform(margin...(fieldW - margin))
        if separation >= radius, transmission(y: y, x: x) < 0.5 { continue }
        if centres.allSatisfy({ hypot($0.y - y, $0.x - x) >= separation }) {
          centres.append((y, x))
          placed = true
          break
        }
      }
      if !placed {
        separation *= 0.9
        guard separation >= 0.6 * radius else {
          throw SparseVARError.invalidArgument(
            "synthetic options: \(m) assemblies of radius \(radius) µm do not fit in the field of "
              + "\(fieldH) x \(fieldW) µm; use fewer assemblies, a smaller assemblyRadius or a larger field")
        }
      }
    }

    // Neurons: assembly members first (by assembly), then independent neurons.
    var neurons: [SyntheticNeuron] = []
    var members = [[Int]](repeating: [], count: m)
    let maxRadius = o.neuronRadius.upperBound
    let cell = max(2 * maxRadius * max(o.neuronSpacing, 0.01), 1)
    let gridRows = max(1, Int((fieldH / cell).rounded(.up)))
    let gridColumns = max(1, Int((fieldW / cell).rounded(.up)))
    var grid = [[Int]](repeating: [], count: gridRows * gridColumns)
    func gridCell(_ y: Double, _ x: Double) -> (Int, Int) {
      (min(gridRows - 1, max(0, Int(y / cell))), min(gridColumns - 1, max(0, Int(x / cell))))
    }
    func fits(_ y: Double, _ x: Double, _ r: Double) -> Bool {
      guard y >= r / 2, y <= fieldH - r / 2, x >= r / 2, x <= fieldW - r / 2 else { return false }
      let (gy, gx) = gridCell(y, x)
      for cy in max(0, gy - 1)...min(gridRows - 1, gy + 1) {
        for cx in max(0, gx - 1)...min(gridColumns - 1, gx + 1) {
          for n in grid[cy * gridColumns + cx] {
            let other = neurons[n]
            let d = hypot(other.row * s - y, other.column * s - x)
            if d < o.neuronSpacing * (r + other.radius) { return false }
          }
        }
      }
      return transmission(y: y, x: x) >= 0.6
    }
    func place(assembly: Int) throws {
      for _ in 0..<2000 {
        let r = random.uniform(o.neuronRadius)
        let y: Double
        let x: Double
        if assembly >= 0 {
          let rho = radius * random.uniform().squareRoot()
          let angle = random.uniform(0...(2 * Double.pi))
          y = centres[assembly].y + rho * sin(angle)
          x = centres[assembly].x + rho * cos(angle)
        } else {
          y = random.uniform(0...fieldH)
          x = random.uniform(0...fieldW)
        }
        guard fits(y, x, r) else { continue }
        let neuron = SyntheticNeuron(
          row: y / s, column: x / s, radius: r,
          axisRatio: random.uniform(0.75...1), orientation: random.uniform(0...Double.pi),
          assembly: assembly,
          baselinePhotons: random.uniform(o.neuronBaselinePhotons),
          spikeAmplitude: random.uniform(o.spikeAmplitude),
          decayTime: random.uniform(o.decayTime),
          baseRate: random.uniform(o.baseRate),
          participation: assembly >= 0 ? random.uniform(o.participation) : 1,
          independentCoupling: assembly >= 0 ? 0 : random.uniform(o.selfCoupling))
        let (gy, gx) = gridCell(y, x)
        grid[gy * gridColumns + gx].append(neurons.count)
        if assembly >= 0 { members[assembly].append(neurons.count) }
        neurons.append(neuron)
        return
      }
      throw SparseVARError.invalidArgument(
        "synthetic options: could not place neuron \(neurons.count + 1)"
          + (assembly >= 0 ? " (in assembly \(assembly))" : " (independent)")
          + ": the field of \(fieldH) x \(fieldW) µm is too crowded; use fewer neurons, a smaller "
          + "neuronRadius or neuronSpacing, or a larger assemblyRadius or field")
    }
    for a in 0..<m {
      let count = random.integer(o.neuronsPerAssembly)
      for _ in 0..<count { try place(assembly: a) }
    }
    for _ in 0..<o.independentNeuronCount { try place(assembly: -1) }

    let differing = Set(network.differingAssemblies)
    let assemblies = (0..<m).map { a in
      SyntheticAssembly(
        row: centres[a].y / s, column: centres[a].x / s, radius: radius / s, neurons: members[a],
        differing: differing.contains(a))
    }

    // Render the static maps at pixel centres.
    let h = o.height
    let w = o.width
    var gain = [Float](repeating: 0, count: h * w)  // L(p) * T(p)
    var background = [Float](repeating: 0, count: h * w)
    var vesselTransmission = [Double](repeating: 1, count: h * w)
    for vessel in vessels {
      // Distance map near the centre line (segment by segment), then the vessel's transmission.
      var distance2 = [Double](repeating: .infinity, count: h * w)
      let reach = 2 * vessel.width
      var touched: [Int] = []
      for k in 0..<(vessel.points.count - 1) {
        let a = vessel.points[k]
        let b = vessel.points[k + 1]
        let r0 = max(0, Int(((min(a.y, b.y) - reach) / s).rounded(.down)))
        let r1 = min(h - 1, Int(((max(a.y, b.y) + reach) / s).rounded(.up)))
        let c0 = max(0, Int(((min(a.x, b.x) - reach) / s).rounded(.down)))
        let c1 = min(w - 1, Int(((max(a.x, b.x) + reach) / s).rounded(.up)))
        guard r0 <= r1, c0 <= c1 else { continue }
        for r in r0...r1 {
          let y = (Double(r) + 0.5) * s
          for c in c0...c1 {
            let d2 = vessel.segmentDistance2(k, y: y, x: (Double(c) + 0.5) * s)
            let i = r * w + c
            if distance2[i] == .infinity { touched.append(i) }
            if d2 < distance2[i] { distance2[i] = d2 }
          }
        }
      }
      for i in touched {
        vesselTransmission[i] *= vessel.transmission(distance: distance2[i].squareRoot())
      }
    }
    for r in 0..<h {
      let y = (Double(r) + 0.5) * s
      for c in 0..<w {
        let x = (Double(c) + 0.5) * s
        let ramp = ((y - fieldH / 2) * rampY + (x - fieldW / 2) * rampX) / rampExtent
        let rho2 = ((y - vignetteY) * (y - vignetteY) + (x - vignetteX) * (x - vignetteX)) / halfDiagonal2
        let light = (1 + o.illuminationGradient * ramp) * (1 - o.vignetting * min(1, rho2))
        var haze = 0.0
        for wave in waves { haze += wave.amplitude * cos(wave.ky * y + wave.kx * x + wave.phase) }
        haze *= hazeScale
        let i = r * w + c
        let g = light * vesselTransmission[i]
        gain[i] = Float(g)
        background[i] = Float(o.backgroundPhotons * g * max(0.05, 1 + o.hazeContrast * haze))
      }
    }

    // Somata: soft ellipses with a darker nucleus, supersampled 4 x 4.
    var photonPatches: [SyntheticPatch] = []
    var maskPatches: [SyntheticPatch] = []
    var baseline = background
    let sub = 4
    for n in neurons {
      let reachPixels = 1.3 * n.radius / s
      let (top, left, rows, columns) = SyntheticPatch.bounds(
        row: n.row, column: n.column, reach: reachPixels, height: h, width: w)
      var mask = [Float](repeating: 0, count: rows * columns)
      var photons = [Float](repeating: 0, count: rows * columns)
      let cosA = cos(n.orientation)
      let sinA = sin(n.orientation)
      let major = n.radius
      let minor = n.radius * n.axisRatio
      for r in 0..<rows {
        for c in 0..<columns {
          var support = 0.0
          var footprint = 0.0
          for sy in 0..<sub {
            for sx in 0..<sub {
              let y = (Double(top + r) + (Double(sy) + 0.5) / Double(sub)) * s - n.row * s
              let x = (Double(left + c) + (Double(sx) + 0.5) / Double(sub)) * s - n.column * s
              let u = y * cosA + x * sinA
              let v = -y * sinA + x * cosA
              let d = ((u / major) * (u / major) + (v / minor) * (v / minor)).squareRoot()
              let edge: Double
              if d <= 0.75 {
                edge = 1
              } else if d < 1.25 {
                edge = 0.5 * (1 + cos(Double.pi * (d - 0.75) / 0.5))
              } else {
                edge = 0
              }
              support += edge
              footprint += edge * (1 - o.nucleusDarkening * exp(-(d / 0.45) * (d / 0.45)))
            }
          }
          let i = r * columns + c
          let area = Double(sub * sub)
          mask[i] = Float(support / area)
          photons[i] = Float(n.baselinePhotons * footprint / area) * gain[(top + r) * w + left + c]
          baseline[(top + r) * w + left + c] += photons[i]
        }
      }
      photonPatches.append(SyntheticPatch(top: top, left: left, rows: rows, columns: columns, values: photons))
      maskPatches.append(SyntheticPatch(top: top, left: left, rows: rows, columns: columns, values: mask))
    }

    // Neuropil around each assembly: npl * B(p) * Gaussian(sigma = assembly radius), cut at 3 sigma.
    var neuropilPatches: [SyntheticPatch] = []
    if o.neuropilCoupling > 0 {
      for a in assemblies {
        let reach = 3 * a.radius
        let (top, left, rows, columns) = SyntheticPatch.bounds(
          row: a.row, column: a.column, reach: reach, height: h, width: w)
        var values = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
          let dy = Double(top + r) + 0.5 - a.row
          for c in 0..<columns {
            let dx = Double(left + c) + 0.5 - a.column
            let g = exp(-(dy * dy + dx * dx) / (2 * a.radius * a.radius))
            values[r * columns + c] = Float(o.neuropilCoupling * g) * background[(top + r) * w + left + c]
          }
        }
        neuropilPatches.append(SyntheticPatch(top: top, left: left, rows: rows, columns: columns, values: values))
      }
    }

    return SyntheticScene(
      neurons: neurons, assemblies: assemblies, background: background, baseline: baseline,
      photonPatches: photonPatches, maskPatches: maskPatches, neuropilPatches: neuropilPatches)
  }
}
