import DokuenPosix

/// A golden file: text kept in the repository that a test's output must equal byte for byte, read by path (not
/// bundled). With `DOKUEN_UPDATE_GOLDEN=1` in the environment, `mismatch` records the output instead of comparing,
/// so one variable re-records every golden file of every test target.
public struct GoldenText: Sendable {
    public static let recording = Posix.environment()["DOKUEN_UPDATE_GOLDEN"] == "1"

    public let path: String

    public init(directory: String, name: String) { path = directory + "/" + name }

    /// The directory `name` beside the test file that calls this: `GoldenText.directory(#filePath, "Golden")`.
    public static func directory(_ file: String, _ name: String) -> String {
        String(file[..<file.lastIndex(of: "/")!]) + "/" + name
    }

    public func read() throws -> String { String(decoding: try Posix.readFile(path), as: UTF8.self) }

    /// Nil when `actual` equals the file (or was just recorded); else what differs, with the first differing line.
    public func mismatch(_ actual: String) throws -> String? {
        if Self.recording {
            try AtomicFile.write(Array(actual.utf8), to: path)
            return nil
        }
        let expected = (try? read()) ?? ""
        guard actual != expected else { return nil }
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let got = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(want.count, got.count)).first { want[$0] != got[$0] } ?? min(want.count, got.count)
        return "\(path) differs at line \(line + 1): expected \(line < want.count ? "\"\(want[line])\"" : "the end"), "
            + "got \(line < got.count ? "\"\(got[line])\"" : "the end"); rerun with DOKUEN_UPDATE_GOLDEN=1 to record it"
    }
}
