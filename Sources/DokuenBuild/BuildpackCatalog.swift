import DokuenPosix

/// The buildpacks this Dokuen knows: the built-ins (the repo's `buildpacks/`) and the installed ones
/// (`<root>/buildpacks/<name>/`). An installed buildpack with a built-in's name replaces that built-in, so a newer
/// version can be installed over one that shipped.
///
/// Detection tries, by default (docs/DESIGN.md §5): the built-ins first, `python`, `node`, `go`, `static`, any
/// other built-in in name order, and `procfile` (it accepts any app with a Procfile, so it must not shadow a
/// language); then the installed buildpacks in install order. So installing a buildpack never changes which
/// buildpack builds an app a built-in detects: a catch-all one (the classic null buildpack, whose detect always
/// succeeds) gets only the apps no built-in accepts. An installed buildpack with a built-in's name takes that
/// built-in's place. An app that a built-in detects is built with an installed buildpack only when it is asked
/// for: BUILDPACK_URL, `dokuen buildpacks set` or `.buildpacks` (`BuildpackSelection`). A configured order is
/// used exactly: only the buildpacks it names are tried.
public struct BuildpackCatalog: Sendable {
    /// The built-ins' default detection order; `procfile` is always the last one tried.
    public static let defaultBuiltInOrder = ["python", "node", "go", "static", "procfile"]
    /// Inside an installed buildpack: its source (`URL#ref`), its commit and when it was installed (microseconds
    /// since the epoch), one per line. Kept under `.git/`, so that the buildpack's own tree stays exactly what was
    /// cloned. A record without the time (written before it was kept) sorts after those with one.
    public static let sourceRecord = ".git/dokuen-source"

    public let builtInDirectory: String?
    public let installedDirectory: String
    public let detectionOrder: [BuildpackName]?

    public init(builtInDirectory: String?, installedDirectory: String, detectionOrder: [BuildpackName]? = nil) {
        self.builtInDirectory = builtInDirectory
        self.installedDirectory = installedDirectory
        self.detectionOrder = detectionOrder
    }

    /// The installed buildpacks in install order (those without a recorded time last, by name). Dot entries
    /// (installs and removals in progress) and names that are not buildpack names are skipped.
    public func installed() throws(BuildError) -> [Buildpack] {
        var times: [BuildpackName: Int64] = [:]
        let found = try buildpacks(in: installedDirectory) { directory in
            let record = (try? Posix.readFile(directory + "/" + Self.sourceRecord)).map {
                String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init)
            }
            return (
                .installed(source: record?.first, commit: record?.dropFirst().first),
                record?.dropFirst(2).first.flatMap { Int64($0) }
            )
        }
        for (buildpack, time) in found { times[buildpack.name] = time }
        return Self.installOrder(found.map(\.0), installedAt: times)
    }

    /// `buildpacks` in install order: by `installedAt`, then by name; those without a time last.
    public static func installOrder(_ buildpacks: [Buildpack], installedAt: [BuildpackName: Int64]) -> [Buildpack] {
        buildpacks.sorted { left, right in
            let (a, b) = (installedAt[left.name] ?? .max, installedAt[right.name] ?? .max)
            return a != b ? a < b : left.name < right.name
        }
    }

    /// The built-in buildpacks, by name.
    public func builtIns() throws(BuildError) -> [Buildpack] {
        guard let builtInDirectory else { return [] }
        return try buildpacks(in: builtInDirectory) { _ in (.builtIn, nil) }.map(\.0)
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
        return Self.defaultOrder(builtIns: try builtIns(), installed: try installed())
    }

    /// The default detection order of `builtIns` (any order) and `installed` (in install order): the built-ins
    /// `python`, `node`, `go`, `static`, the other built-ins by name, `procfile`, then the installed buildpacks.
    /// An installed buildpack with a built-in's name stands in that built-in's place.
    public static func defaultOrder(builtIns: [Buildpack], installed: [Buildpack]) -> [Buildpack] {
        let sorted = builtIns.sorted { $0.name < $1.name }
        let rank = { (name: BuildpackName) -> Int in
            if name.rawValue == "procfile" { return Int.max }
            return defaultBuiltInOrder.firstIndex(of: name.rawValue) ?? defaultBuiltInOrder.count
        }
        let builtInOrder = sorted.enumerated().sorted { left, right in
            let (a, b) = (rank(left.element.name), rank(right.element.name))
            return a != b ? a < b : left.offset < right.offset
        }.map(\.element)
        let replacements = Dictionary(installed.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let builtInNames = Set(builtIns.map(\.name))
        return builtInOrder.map { replacements[$0.name] ?? $0 } + installed.filter { !builtInNames.contains($0.name) }
    }

    private func buildpacks(in directory: String, origin: (String) -> (Buildpack.Origin, Int64?))
        throws(BuildError) -> [(Buildpack, Int64?)]
    {
        guard Posix.isDirectory(directory) else { return [] }
        let names: [String]
        do { names = try Posix.listDirectory(directory) } catch { throw .file(error) }
        return names.compactMap { entry in
            guard let name = try? BuildpackName(entry), Posix.isDirectory(directory + "/" + entry) else { return nil }
            let path = directory + "/" + entry
            let (kind, time) = origin(path)
            return (Buildpack(name: name, directory: path, origin: kind), time)
        }
    }
}
