import DokuenPosix

/// A fresh directory under /tmp for one test, removed by `remove()`. Paths stay short because Unix socket paths
/// are limited to 107 bytes (docs/STACK-NOTES.md §4.14).
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "test") throws {
        path = try Posix.makeTemporaryDirectory(prefix: "/tmp/dk-\(label)-")
    }

    public func remove() { try? Posix.removeTree(path) }

    public func callAsFunction(_ relative: String) -> String { path + "/" + relative }
}
