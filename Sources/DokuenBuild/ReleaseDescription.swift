public import DokuenCore
import Yams

/// What a buildpack's `bin/release` prints (Heroku classic API): YAML with `default_process_types` (used only
/// when the app has no Procfile), `config_vars` (defaults below the app's own env, docs/DESIGN.md §2) and `addons`
/// (Dokuen has none: they are kept only so the build can say they were ignored). Other top-level keys are ignored,
/// as on Heroku. Scalars keep their text as written: `DEBUG: yes` is the string `yes`, not a boolean, and a key
/// with no value (`KEY:` or `KEY: ~`) is the empty string.
public struct ReleaseDescription: Equatable, Sendable {
    public var defaultProcessTypes: [ProcessType: String]
    public var configVars: [EnvKey: String]
    public var addons: [String]

    public init(
        defaultProcessTypes: [ProcessType: String] = [:], configVars: [EnvKey: String] = [:], addons: [String] = []
    ) {
        self.defaultProcessTypes = defaultProcessTypes
        self.configVars = configVars
        self.addons = addons
    }

    /// No defaults at all: what an empty `bin/release` output means.
    public static let empty = ReleaseDescription()

    /// Parses the output of `buildpack`'s `bin/release`. Errors are one line and name the buildpack.
    public static func parse(_ text: String, buildpack: String) throws(BuildError) -> ReleaseDescription {
        let node: Node?
        do {
            // Resolver.basic: every scalar is a string, as the fields here are read; Yams's default resolver
            // compiles its rules as NSRegularExpressions, which loads ICU into dokuend (issue 22's memory).
            node = try Yams.compose(yaml: text, .basic)
        } catch {
            throw .release(buildpack: buildpack, reason: "printed YAML that does not parse: \(oneLine(error))")
        }
        guard let node, !node.isNull else { return .empty }
        guard case .mapping(let top) = node else {
            throw .release(buildpack: buildpack, reason: "printed YAML that is not a map: \(kind(of: node))")
        }
        var release = ReleaseDescription()
        for (keyNode, value) in top {
            switch keyNode.string {
            case "default_process_types":
                for (name, command) in try entries(of: value, field: "default_process_types", buildpack: buildpack) {
                    do {
                        release.defaultProcessTypes[try ProcessType(name)] = command
                    } catch {
                        throw .release(buildpack: buildpack, reason: "printed default_process_types with \(error)")
                    }
                }
            case "config_vars":
                for (name, text) in try entries(of: value, field: "config_vars", buildpack: buildpack) {
                    do {
                        let key = try EnvKey(name)
                        try EnvDir.validate(text, for: key)
                        release.configVars[key] = text
                    } catch {
                        throw .release(buildpack: buildpack, reason: "printed config_vars with \(error)")
                    }
                }
            case "addons":
                release.addons = try addonNames(of: value, buildpack: buildpack)
            default:
                continue
            }
        }
        return release
    }

    /// `self` with `later`'s values on top, as when several buildpacks ran: the last buildpack wins.
    public func merging(_ later: ReleaseDescription) -> ReleaseDescription {
        ReleaseDescription(
            defaultProcessTypes: defaultProcessTypes.merging(later.defaultProcessTypes) { _, new in new },
            configVars: configVars.merging(later.configVars) { _, new in new },
            addons: addons + later.addons.filter { !addons.contains($0) })
    }

    /// The process types of a release: the Procfile's when the app has one, else the buildpack's defaults.
    public func processTypes(procfile: Procfile?) -> [ProcessType: String] {
        guard let procfile else { return defaultProcessTypes }
        return Dictionary(uniqueKeysWithValues: procfile.entries.map { ($0.type, $0.command) })
    }

    /// The config vars keyed by name, as `InstanceEnvironment.make(buildpackDefaults:)` takes them.
    public var buildpackDefaults: [String: String] {
        Dictionary(uniqueKeysWithValues: configVars.map { ($0.key.rawValue, $0.value) })
    }

    /// A map of scalar to scalar; null is an empty map.
    private static func entries(of node: Node, field: String, buildpack: String) throws(BuildError) -> [(
        String, String
    )] {
        if node.isNull { return [] }
        guard case .mapping(let mapping) = node else {
            throw .release(buildpack: buildpack, reason: "printed \(field) as \(kind(of: node)); it must be a map")
        }
        var result: [(String, String)] = []
        for (key, value) in mapping {
            guard case .scalar(let name) = key else {
                throw .release(buildpack: buildpack, reason: "printed \(field) with a key that is \(kind(of: key))")
            }
            if value.isNull {
                result.append((name.string, ""))
                continue
            }
            guard case .scalar(let text) = value else {
                throw .release(
                    buildpack: buildpack,
                    reason: "printed \(field).\(name.string) as \(kind(of: value)); it must be a string")
            }
            result.append((name.string, text.string))
        }
        return result
    }

    /// A list of scalars; null is no add-ons.
    private static func addonNames(of node: Node, buildpack: String) throws(BuildError) -> [String] {
        if node.isNull { return [] }
        guard case .sequence(let sequence) = node else {
            throw .release(buildpack: buildpack, reason: "printed addons as \(kind(of: node)); it must be a list")
        }
        var names: [String] = []
        for item in sequence {
            guard case .scalar(let name) = item else {
                throw .release(buildpack: buildpack, reason: "printed addons with an item that is \(kind(of: item))")
            }
            names.append(name.string)
        }
        return names
    }

    private static func kind(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): "a string (\(Quoting.quoted(String(scalar.string.prefix(40)))))"
        case .mapping: "a map"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// Yams's messages span several lines (a snippet with a caret); the first line has the position and cause.
    private static func oneLine(_ error: any Error) -> String {
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "unknown error"
    }
}

extension Node {
    /// `~`, `null`, or nothing at all.
    fileprivate var isNull: Bool {
        if case .scalar(let scalar) = self, scalar.style == .plain {
            return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        }
        return false
    }
}
