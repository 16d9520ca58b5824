import DokuenCore

/// Which buildpacks build an app (docs/DESIGN.md §5), decided from the app's config and its files without touching
/// the disk. The first of these that is there wins, and the later ones are ignored:
/// 1. BUILDPACK_URL in the app's env (as on Heroku and Dokku, it overrides everything else);
/// 2. the app's buildpack from `dokuen buildpacks set` (the operator's choice beats what the repository says, as
///    Dokku's buildpacks plugin replaces a committed `.buildpacks`);
/// 3. a `.buildpacks` file at the top of the build (one buildpack per line, `#` comment lines, CRLF and a BOM
///    accepted, run in order);
/// 4. detection (`BuildpackCatalog`: the built-ins first, then the installed buildpacks in install order).
///
/// A reference is a buildpack name (`python`), Heroku's shorthand for an official one (`heroku/python` means the
/// buildpack called `python`), or a source (`https://…/pack.git#v3`, `/srv/packs/pack`) that must have been
/// installed first; Dokuen never clones during a build.
public struct BuildpackSelection: Equatable, Sendable {
    /// One buildpack named by BUILDPACK_URL or `.buildpacks`.
    public enum Reference: Equatable, Sendable, CustomStringConvertible {
        case name(BuildpackName)
        case source(BuildpackSource)

        public var description: String {
            switch self {
            case .name(let name): name.rawValue
            case .source(let source): source.description
            }
        }
    }

    /// Where the choice came from, for messages.
    public enum Origin: Equatable, Sendable, CustomStringConvertible, CaseIterable {
        case environment
        case appSetting
        case buildpacksFile
        case detection

        /// How the deploy output and `buildpacks show` name the rule: `BUILDPACK_URL`, `buildpacks set`,
        /// `.buildpacks`, `detection`.
        public var description: String {
            switch self {
            case .environment: "BUILDPACK_URL"
            case .appSetting: "buildpacks set"
            case .buildpacksFile: ".buildpacks"
            case .detection: "detection"
            }
        }
    }

    public let origin: Origin
    /// The chosen buildpacks in order; empty for detection.
    public let references: [Reference]

    public init(origin: Origin, references: [Reference]) {
        self.origin = origin
        self.references = references
    }

    /// The choice for an app whose env has `buildpackURL` (nil or blank: unset), whose `dokuen buildpacks set` is
    /// `appBuildpack` (nil: none), and whose build has a `.buildpacks` file with `buildpacksFile` as its text (nil:
    /// no file). Only the winner is parsed: a broken file under a BUILDPACK_URL does not fail the build.
    public static func choose(buildpackURL: String?, appBuildpack: String? = nil, buildpacksFile: String?)
        throws(BuildError) -> BuildpackSelection
    {
        if let url = buildpackURL?.trimmingSpaces, !url.isEmpty {
            do {
                return BuildpackSelection(origin: .environment, references: [try reference(url)])
            } catch .buildpacksFile(_, let reason) {
                throw .invalidSource(url, reason: "BUILDPACK_URL " + reason)
            }
        }
        if let setting = appBuildpack?.trimmingSpaces, !setting.isEmpty {
            do {
                return BuildpackSelection(origin: .appSetting, references: [try reference(setting)])
            } catch .buildpacksFile(_, let reason) {
                throw .invalidSource(setting, reason: "buildpacks set " + reason)
            }
        }
        guard let buildpacksFile else { return BuildpackSelection(origin: .detection, references: []) }
        var references: [Reference] = []
        let text = buildpacksFile.hasPrefix("\u{FEFF}") ? String(buildpacksFile.dropFirst()) : buildpacksFile
        // `\r\n` is one Character in Swift, so split on newline characters rather than on "\n".
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let text = String(line).trimmingSpaces
            if text.isEmpty || text.hasPrefix("#") { continue }
            do {
                references.append(try reference(text))
            } catch .buildpacksFile(_, let reason) {
                throw .buildpacksFile(line: offset + 1, reason: reason)
            } catch .invalidSource(_, let reason) {
                throw .buildpacksFile(
                    line: offset + 1, reason: "\(Quoting.quoted(text)) is not a usable source: \(reason)")
            }
        }
        if references.isEmpty { throw .buildpacksFile(line: 1, reason: "the file lists no buildpack") }
        return BuildpackSelection(origin: .buildpacksFile, references: references)
    }

    /// The rules that are present but lose to the one that wins, in precedence order, for `buildpacks show`:
    /// e.g. `[.appSetting, .buildpacksFile]` under a BUILDPACK_URL.
    public static func overridden(buildpackURL: String?, appBuildpack: String?, hasBuildpacksFile: Bool) -> [Origin] {
        let present: [Origin] =
            [
                (buildpackURL?.trimmingSpaces).map { $0.isEmpty ? nil : Origin.environment } ?? nil,
                (appBuildpack?.trimmingSpaces).map { $0.isEmpty ? nil : Origin.appSetting } ?? nil,
                hasBuildpacksFile ? .buildpacksFile : nil,
            ].compactMap { $0 }
        return Array(present.dropFirst())
    }

    /// Parses one reference. Throws `.buildpacksFile` (line 0) when the text is neither a name nor a source, and
    /// `.invalidSource` when it looks like a source but cannot be one.
    public static func reference(_ text: String) throws(BuildError) -> Reference {
        if BuildpackName.rejection(of: text) == nil { return .name(try BuildpackName(text)) }
        if text.hasPrefix("heroku/"), BuildpackName.rejection(of: String(text.dropFirst(7))) == nil {
            return .name(try BuildpackName(String(text.dropFirst(7))))
        }
        let looksLikeSource =
            text.contains("://") || text.hasPrefix("/") || (text.contains("@") && text.contains(":"))
        guard looksLikeSource else {
            throw .buildpacksFile(
                line: 0,
                reason: "\(Quoting.quoted(text)) is neither a buildpack name ([a-z0-9-]) nor a URL or absolute path")
        }
        return .source(try BuildpackSource(text))
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
