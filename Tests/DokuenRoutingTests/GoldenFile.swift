import TestSupport
import Testing

/// A file under Tests/DokuenRoutingTests/Golden (a `GoldenText`): `DOKUEN_UPDATE_GOLDEN=1` re-records it.
struct GoldenFile {
    static let directory = GoldenText.directory(#filePath, "Golden")

    let name: String

    var golden: GoldenText { GoldenText(directory: Self.directory, name: name) }

    func read() throws -> String { try golden.read() }

    /// Compares `actual` with the file byte for byte, or records it.
    func check(_ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let mismatch = try golden.mismatch(actual)
        #expect(mismatch == nil, "\(mismatch ?? "")", sourceLocation: sourceLocation)
    }
}
