import Glibc
import Testing
@testable import SparseVARReport

@Suite struct PNGTests {
  @Test func writesAPNGThatLibpngReadsBack() throws {
    let values: [Float] = (0..<(6 * 4)).map { Float($0) - 10 }
    let image = try renderImage(values, width: 6, height: 4, colormap: .diverging).enlarged(by: 3)
    #expect(image.width == 18 && image.height == 12)
    let path = "/tmp/sparsevar-png-test-\(getpid()).png"
    defer { unlink(path) }
    try image.writePNG(to: path)
    guard let file = fopen(path, "rb") else {
      Issue.record("no file written")
      return
    }
    var signature = [UInt8](repeating: 0, count: 8)
    _ = fread(&signature, 1, 8, file)
    fclose(file)
    #expect(signature == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
  }

  @Test func divergingMapIsWhiteAtZero() {
    let (r, g, b) = Colormap.diverging.color(0.5)
    #expect(r == 255 && g == 255 && b == 255)
  }

  @Test func rejectsBadShapesAndPaths() throws {
    #expect(throws: (any Error).self) { try renderImage([1, 2, 3], width: 2, height: 2, colormap: .gray) }
    let image = try renderImage([0, 1, 2, 3], width: 2, height: 2, colormap: .gray)
    #expect(throws: (any Error).self) { try image.writePNG(to: "/nonexistent-folder/x.png") }
  }
}

@Suite struct DocumentTests {
  @Test func rendersMarkdownAndEscapedHTML() {
    var document = Document(title: "Test <report>")
    document.heading("Swap test")
    document.table(["split", "p"], [["F vs N", "0.001"]])
    document.figure(Figure(title: "Maps", panels: [(file: "map.png", caption: "F - N")]))
    #expect(document.markdown.contains("| F vs N | 0.001 |"))
    #expect(document.markdown.contains("![F - N](map.png)"))
    #expect(document.html.contains("Test &lt;report&gt;"))
    #expect(document.html.contains("<img src=\"map.png\""))
  }

  @Test func plotsDrawTheirSeries() throws {
    let plot = LinePlot(width: 160, height: 100, series: [(values: [0, 1, 0, -1, 0], color: (255, 0, 0))])
    let image = try plot.render()
    #expect(image.pixels.count == 160 * 100 * 3)
    var red = 0
    for i in stride(from: 0, to: image.pixels.count, by: 3) where image.pixels[i] == 255 && image.pixels[i + 1] == 0 { red += 1 }
    #expect(red >= 30)
  }
}
