/// The directory of a build that nginx serves as is, from a Procfile's `static: DIR` line (as in Piku): the
/// build has no process for it, and nginx's `root` points into the build directory (docs/DESIGN.md §3). `.` is the
/// build directory itself.
///
/// A relative path of 1–200 bytes whose components are `[A-Za-z0-9._-]`, none of them `.` or `..`, so the
/// directory is always inside the build and the path is safe bare in nginx's config; a trailing `/` is dropped.
public struct StaticRoot: Hashable, Sendable, CustomStringConvertible {
    public static let maxLength = 200

    public let rawValue: String

    public init(_ text: String) throws(CoreError) {
        func refuse(_ reason: String) -> CoreError { .invalidStaticRoot(text, reason: reason) }
        var path = text
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        guard !path.isEmpty else { throw refuse("it names no directory; use . for the whole build") }
        guard path.utf8.count <= Self.maxLength else { throw refuse("it is longer than \(Self.maxLength) bytes") }
        guard !path.hasPrefix("/") else { throw refuse("it must be relative to the app's root") }
        if path == "." {
            rawValue = path
            return
        }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty else { throw refuse("it contains '//'") }
            guard component != ".", component != ".." else { throw refuse("it contains a '\(component)' component") }
            guard !component.contains("..") else { throw refuse("it contains '..'") }
            guard
                component.unicodeScalars.allSatisfy({
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                        || $0 == "." || $0 == "_" || $0 == "-"
                })
            else { throw refuse("only letters, digits and . _ - / are allowed") }
        }
        rawValue = path
    }

    public var description: String { rawValue }

    /// The served directory inside `buildDirectory`.
    public func directory(in buildDirectory: String) -> String {
        rawValue == "." ? buildDirectory : buildDirectory + "/" + rawValue
    }
}
