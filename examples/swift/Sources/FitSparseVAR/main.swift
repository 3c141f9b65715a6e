// Simulates a sparse VAR(1) with K = 6 latents, fits it, and prints the recovered connections
// next to the truth; then shows an error's localizedDescription.
import Foundation
import SparseVAR

let k = 6
let length = 2000
// A_1: self-excitation plus three cross-connections (truth[j * k + l] drives l -> j).
var truth = [Double](repeating: 0, count: k * k)
for j in 0..<k { truth[j * k + j] = 0.5 }
truth[1 * k + 0] = 0.3
truth[4 * k + 2] = -0.3
truth[5 * k + 3] = 0.25

func normal() -> Double {
  let u = Double.random(in: Double.ulpOfOne..<1)
  let v = Double.random(in: 0..<1)
  return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
}
var values = [Double](repeating: 0, count: length * k)
for t in 1..<length {
  for j in 0..<k {
    var v = normal()
    for l in 0..<k { v += truth[j * k + l] * values[(t - 1) * k + l] }
    values[t * k + j] = v
  }
}

do {
  let series = try Series(length: length, dimension: k, values: values)
  var options = SparseVAROptions()
  options.lag = 1
  options.lambda = 0.02
  let model = try SparseVARModel.fit(series, options: options)
  print("to from   truth  fitted")
  for j in 0..<k {
    for l in 0..<k where truth[j * k + l] != 0 || abs(model.coefficient(lag: 1, to: j, from: l)) > 0.05 {
      print(String(format: "%2d %4d %7.3f %7.3f", j, l, truth[j * k + l], model.coefficient(lag: 1, to: j, from: l)))
    }
  }
  print(String(format: "R_var on the training series: %.3f", try model.relativeError(series)))

  // Errors are LocalizedError: Foundation's localizedDescription is the library's message.
  options.lag = 0
  do {
    _ = try SparseVARModel.fit(series, options: options)
    print("a VAR of lag 0 was accepted")
    exit(1)
  } catch let error as SparseVARError {
    print("lag 0: \(error.localizedDescription)")
    guard (error as Error).localizedDescription == error.message else {
      print("localizedDescription is not the library's message")
      exit(1)
    }
  }
} catch {
  print("sparsevar error: \(error)")
  exit(1)
}
