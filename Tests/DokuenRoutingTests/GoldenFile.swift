import DokuenPosix
import Testing

/// A file under Tests/DokuenRoutingTests/Golden, read by path from the repository (not bundled). With
/// `DOKUEN_UPDATE_GOLDEN=1` in the environment, `check` rewrites it instead of comparing.
struct GoldenFile {
    static let directory: String = {
        let file: String = #filePath
        return String(file[..<file.lastIndex(of: "/")!]) + "/Golden"
    }()
    static let updating = Posix.environment()["DOKUEN_UPDATE_GOLDEN"] == "1"

    let name: String

    var path: String { Self.directory + "/" + name }

    func read() throws -> String { String(decoding: try Posix.readFile(path), as: UTF8.self) }

    /// Compares `actual` with the file byte for byte, or records it.
    func check(_ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if Self.updating {
            try AtomicFile.write(Array(actual.utf8), to: path)
            return
        }
        let expected = try read()
        #expect(
            actual == expected, "\(name) differs; rerun with DOKUEN_UPDATE_GOLDEN=1 to record it",
            sourceLocation: sourceLocation)
    }
}
