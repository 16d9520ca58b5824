import DokuenPosix

/// The buildpacks this Dokuen knows: the built-ins (the repo's `buildpacks/`) and the installed ones
/// (`<root>/buildpacks/<name>/`). An installed buildpack with a built-in's name replaces that built-in, so a newer
/// version can be installed over one that shipped.
///
/// Detection tries, by default: the installed buildpacks in name order (the admin installed them for a reason),
/// then the built-ins `python`, `node`, `go`, `static`, any other built-in in name order, and `procfile` last
/// (it accepts any app with a Procfile, so it must not shadow a language). A configured order is used exactly:
/// only the buildpacks it names are tried.
public struct BuildpackCatalog: Sendable {
    /// The built-ins' default detection order; `procfile` is always the last one tried.
    public static let defaultBuiltInOrder = ["python", "node", "go", "static", "procfile"]
    /// Inside an installed buildpack: its source (`URL#ref`) and commit, one per line. Kept under `.git/`, so that
    /// the buildpack's own tree stays exactly what was cloned.
    public static let sourceRecord = ".git/dokuen-source"

    public let builtInDirectory: String?
    public let installedDirectory: String
    public let detectionOrder: [BuildpackName]?

    public init(builtInDirectory: String?, installedDirectory: String, detectionOrder: [BuildpackName]? = nil) {
        self.builtInDirectory = builtInDirectory
        self.installedDirectory = installedDirectory
        self.detectionOrder = detectionOrder
    }

    /// The installed buildpacks, by name. Dot entries (installs and removals in progress) and names that are not
    /// buildpack names are skipped.
    public func installed() throws(BuildError) -> [Buildpack] {
        try buildpacks(in: installedDirectory) { directory in
            let record = (try? Posix.readFile(directory + "/" + Self.sourceRecord)).map {
                String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init)
            }
            return .installed(source: record?.first, commit: record?.dropFirst().first)
        }
    }

    /// The built-in buildpacks, by name.
    public func builtIns() throws(BuildError) -> [Buildpack] {
        guard let builtInDirectory else { return [] }
        return try buildpacks(in: builtInDirectory) { _ in .builtIn }
    }

    /// Every buildpack by name, an installed one replacing a built-in of the same name.
    public func all() throws(BuildError) -> [Buildpack] {
        let installed = try installed()
        let names = Set(installed.map(\.name))
        return (installed + (try builtIns()).filter { !names.contains($0.name) }).sorted { $0.name < $1.name }
    }

    /// The buildpack called `name`, nil when there is none.
    public func buildpack(named name: BuildpackName) throws(BuildError) -> Buildpack? {
        try all().first { $0.name == name }
    }

    /// The installed buildpack that came from `source`, nil when none did.
    public func installed(from source: BuildpackSource) throws(BuildError) -> Buildpack? {
        try installed().first { buildpack in
            guard case .installed(let recorded?, _) = buildpack.origin,
                let installedSource = try? BuildpackSource(recorded)
            else { return false }
            return source.isSatisfied(by: installedSource)
        }
    }

    /// The buildpacks detection tries, in order.
    public func detectionCandidates() throws(BuildError) -> [Buildpack] {
        let everything = try all()
        if let detectionOrder {
            var result: [Buildpack] = []
            for name in detectionOrder {
                guard let buildpack = everything.first(where: { $0.name == name }) else {
                    throw .unknownBuildpack(
                        name.rawValue, from: "the detection order", known: everything.map(\.name.rawValue))
                }
                result.append(buildpack)
            }
            return result
        }
        let installed = try installed()
        let installedNames = Set(installed.map(\.name.rawValue))
        let builtIns = try builtIns().filter { !installedNames.contains($0.name.rawValue) }
        func builtIn(_ name: String) -> Buildpack? { builtIns.first { $0.name.rawValue == name } }
        let listed = Self.defaultBuiltInOrder.filter { $0 != "procfile" }.compactMap(builtIn)
        let others = builtIns.filter { !Self.defaultBuiltInOrder.contains($0.name.rawValue) }
        return installed + listed + others + [builtIn("procfile")].compactMap { $0 }
    }

    private func buildpacks(in directory: String, origin: (String) -> Buildpack.Origin) throws(BuildError)
        -> [Buildpack]
    {
        guard Posix.isDirectory(directory) else { return [] }
        let names: [String]
        do { names = try Posix.listDirectory(directory) } catch { throw .file(error) }
        return names.compactMap { entry in
            guard let name = try? BuildpackName(entry), Posix.isDirectory(directory + "/" + entry) else { return nil }
            let path = directory + "/" + entry
            return Buildpack(name: name, directory: path, origin: origin(path))
        }
    }
}
