/// A buildpack on disk: a directory with `bin/detect`, `bin/compile` and `bin/release`.
public struct Buildpack: Equatable, Sendable {
    /// Where a buildpack comes from.
    public enum Origin: Equatable, Sendable {
        /// Shipped with Dokuen (the repo's `buildpacks/`).
        case builtIn
        /// Installed with `dokuen buildpacks install`, from `source` (`URL` or `URL#ref`) at `commit`.
        case installed(source: String?, commit: String?)
    }

    public let name: BuildpackName
    public let directory: String
    public let origin: Origin

    public init(name: BuildpackName, directory: String, origin: Origin) {
        self.name = name
        self.directory = directory
        self.origin = origin
    }

    /// `bin/detect`, `bin/compile` or `bin/release`.
    public func program(_ name: String) -> String { directory + "/bin/" + name }

    /// The three programs of the Heroku classic API.
    public static let programs = ["detect", "compile", "release"]
}
