public import DokuenCore
import DokuenPosix
import Foundation

/// What Dokuen reads of a build's `app.json` (docs/DESIGN.md §5): the `healthchecks` of its `web` process, in Dokku's
/// format, with one addition: `status`, the status the answer must have (default 200).
///
///     {"healthchecks": {"web": [{"type": "startup", "path": "/health", "content": "ok", "attempts": 3}]}}
///
/// Only startup checks with a `path` gate a cutover. What Dokuen does not run is reported, never silently
/// dropped: checks of other process types, `readiness`/`liveness` checks, `command` and `https` checks. `uptime`
/// and `listening` are noted as covered: every instance must stay up `startsecs` and every web port must accept.
/// Other top-level keys (`env`, `scripts`…) are ignored, as Dokku ignores what it does not use.
///
/// `formation` is Heroku's: each type's `quantity` (default 1) is its count when the type first appears in a release
/// (docs/DESIGN.md §2, Formation); its other keys (`size`) are named in the notes as not used.
///
///     {"formation": {"web": {"quantity": 2}, "worker": {"quantity": 1, "size": "basic"}}}
///
/// The text may hold `//` and `/* */` comments, as Dokku allows, and every error names its line and column
/// (`app.json line 3, column 5: …`; `JSONText`).
///
/// The `dokuen` section holds per-type process settings, the keys of `dokuen ps set` (docs/API.md, Process settings),
/// as strings or numbers; `ps set` wins over it key by key (docs/ISOLATION.md):
///
///     {"dokuen": {"worker": {"nice": 10, "nofile": 4096, "stop_timeout": "5"}}}
public struct AppManifest: Equatable, Sendable {
    /// The HTTP checks of `web`, in file order.
    public var checks: [HealthCheck] = []
    /// The `dokuen` section: settings per process type, each checked as `ps set` checks it.
    public var settings: [ProcessType: ProcessSettings] = [:]
    /// The `formation` section: each named type's count when it first appears in a release.
    public var formation: [ProcessType: Int] = [:]
    /// One line per entry not run, for the deploy's output.
    public var notes: [String] = []

    public init(checks: [HealthCheck] = [], notes: [String] = []) {
        self.checks = checks
        self.notes = notes
    }

    /// The largest app.json read.
    public static let maxSize = 1 << 20

    /// Reads `<build>/app.json`: an empty manifest when there is none, an error that says what is wrong when it
    /// cannot be used.
    public static func load(buildDirectory: String) throws(BuildError) -> AppManifest {
        let bytes: [UInt8]?
        do throws(PosixError) {
            bytes = try Posix.readUserFile(buildDirectory + "/app.json", limit: maxSize)
        } catch {
            switch error.code {
            case .loop: throw .manifest(reason: "app.json is a symlink; it must be a plain file")
            case .invalid: throw .manifest(reason: "app.json is not a plain file")
            case .fileTooLarge: throw .manifest(reason: "app.json is larger than 1 MiB")
            default: throw .manifest(reason: "app.json could not be read: \(error)")
            }
        }
        guard let bytes else { return AppManifest() }
        return try parse(bytes)
    }

    public static func parse(_ bytes: [UInt8]) throws(BuildError) -> AppManifest {
        // Comments become spaces, so every offset in `text` is the same in `bytes`.
        let text: [UInt8]
        do throws(JSONText.Failure) { text = try JSONText.withoutComments(bytes) } catch {
            throw located(error.offset, error.message, in: bytes)
        }
        if let failure = JSONText.firstError(text) { throw located(failure.offset, failure.message, in: bytes) }
        /// An error about the value at `path`: where it starts, then `message`.
        func fail(_ path: [JSONText.PathKey], _ message: String) -> BuildError {
            located(JSONText.offset(of: path, in: text) ?? 0, message, in: bytes)
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(text))
        } catch let error as DecodingError {
            let (path, message) = describe(error)
            throw fail(path, message)
        } catch {
            throw fail([], "it could not be read: \(error)")
        }
        var manifest = AppManifest()
        for (name, values) in (file.dokuen ?? [:]).sorted(by: { $0.key < $1.key }) {
            let label = "dokuen.\(Quoting.printable(name, limit: 60))"
            let type: ProcessType
            do throws(CoreError) { type = try ProcessType(name) } catch {
                throw fail([.key("dokuen"), .key(name)], "\(label): \(error)")
            }
            var settings = ProcessSettings()
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                do throws(CoreError) {
                    let setting = try ProcessSettings.key(key, in: "\(label).\(Quoting.printable(key, limit: 60))")
                    if setting.needsCgroup {
                        manifest.notes.append(
                            "\(label).\(setting): needs a cgroup v2 per instance, which this dokuend does not "
                                + "create; not enforced")
                        continue
                    }
                    try settings.set(setting, to: value.text)
                } catch {
                    throw fail([.key("dokuen"), .key(name), .key(key)], "\(label): \(error)")
                }
            }
            manifest.settings[type] = settings
        }
        for (type, entries) in (file.healthchecks ?? [:]).sorted(by: { $0.key < $1.key }) {
            for (position, entry) in entries.enumerated() {
                // The name is the user's: printable ASCII only in what Dokuen prints.
                let name = entry.name.map { Quoting.printable($0, limit: 60) }
                let label =
                    "healthchecks.\(Quoting.printable(type, limit: 60))[\(position)]"
                    + (name.map { $0.isEmpty ? "" : " (\($0))" } ?? "")
                guard type == "web" else {
                    manifest.notes.append("\(label): only web checks gate a deploy; skipped")
                    continue
                }
                if let kind = entry.type, kind != "startup" {
                    manifest.notes.append(
                        "\(label): \(Quoting.printable(kind, limit: 60)) checks are not run by Dokuen; skipped")
                    continue
                }
                if entry.command != nil {
                    manifest.notes.append("\(label): command checks are not run by Dokuen; skipped")
                    continue
                }
                if let scheme = entry.scheme, scheme != "http" {
                    manifest.notes.append("\(label): only http checks are run; skipped")
                    continue
                }
                guard let path = entry.path else {
                    let covered =
                        entry.uptime != nil
                        ? "uptime is the process's startsecs setting (dokuen ps set web startsecs=N)"
                        : "every web instance's port must accept a connection anyway"
                    manifest.notes.append("\(label): no path, so no HTTP check; \(covered)")
                    continue
                }
                var check = HealthCheck()
                let values: [(HealthCheck.Key, String?)] = [
                    (.path, path), (.status, entry.status.map(String.init)), (.content, entry.content),
                    (.attempts, entry.attempts.map(String.init)), (.wait, entry.wait.map(String.init)),
                    (.timeout, entry.timeout.map(String.init)), (.initialDelay, entry.initialDelay.map(String.init)),
                ]
                for case (let key, let text?) in values {
                    do throws(CoreError) { try check.set(key, to: text) } catch {
                        throw fail([.key("healthchecks"), .key(type), .index(position)], "\(label): \(error)")
                    }
                }
                manifest.checks.append(check)
                if entry.port != nil {
                    manifest.notes.append("\(label): port is ignored; every check goes to the instance's $PORT")
                }
            }
        }
        for (name, entry) in (file.formation ?? [:]).sorted(by: { $0.key < $1.key }) {
            let label = "formation.\(Quoting.printable(name, limit: 60))"
            let type: ProcessType
            do throws(CoreError) { type = try ProcessType(name) } catch {
                throw fail([.key("formation"), .key(name)], "\(label): \(error)")
            }
            let quantity = entry.quantity ?? 1
            guard (0...Formation.maxCount).contains(quantity) else {
                throw fail(
                    [.key("formation"), .key(name), .key("quantity")],
                    "\(label).quantity should be a whole number from 0 to \(Formation.maxCount)")
            }
            manifest.formation[type] = quantity
            for key in entry.otherKeys {
                manifest.notes.append(
                    "\(label).\(Quoting.printable(key, limit: 60)): not used by Dokuen (an instance is a process of this "
                        + "host); ignored")
            }
        }
        return manifest
    }

    /// An error at byte `offset` of the file: `app.json line L, column C: message`.
    static func located(_ offset: Int, _ message: String, in bytes: [UInt8]) -> BuildError {
        .manifest(reason: "app.json \(JSONText.position(of: offset, in: bytes)): \(message)")
    }

    /// The keys read, with Dokku's names.
    struct File: Decodable {
        let healthchecks: [String: [Entry]]?
        let dokuen: [String: [String: SettingValue]]?
        let formation: [String: FormationEntry]?
    }

    /// A type of Heroku's `formation`: `quantity`, and the names of the keys Dokuen does not use (`size`).
    struct FormationEntry: Decodable {
        let quantity: Int?
        let otherKeys: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            quantity = try container.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "quantity"))
            otherKeys = container.allKeys.map(\.stringValue).filter { $0 != "quantity" }.sorted()
        }
    }

    struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// A setting's value in JSON: a string, or a whole number (`"nice": 5`).
    struct SettingValue: Decodable {
        let text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int64.self) {
                text = String(number)
            } else {
                text = try container.decode(String.self)
            }
        }
    }

    struct Entry: Decodable {
        let type: String?
        let name: String?
        let path: String?
        let status: Int?
        let content: String?
        let attempts: Int?
        let wait: Int?
        let timeout: Int?
        let initialDelay: Int?
        let uptime: Int?
        let scheme: String?
        let command: [String]?
        let port: Int?
    }

    /// A decoding error as the path of the value it is about and one line that names the key.
    private static func describe(_ error: DecodingError) -> ([JSONText.PathKey], String) {
        func path(_ context: DecodingError.Context) -> [JSONText.PathKey] {
            context.codingPath.map { $0.intValue.map { .index($0) } ?? .key($0.stringValue) }
        }
        func name(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the whole file" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(let type, let context):
            return (path(context), "\(name(context)) should be \(typeName(type))")
        case .valueNotFound(let type, let context):
            return (path(context), "\(name(context)) should be \(typeName(type))")
        case .keyNotFound(let key, let context): return (path(context), "\(name(context)) lacks \(key.stringValue)")
        case .dataCorrupted(let context): return (path(context), "\(name(context)) is not valid")
        @unknown default: return ([], "it could not be read")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is String.Type: "a string"
        case is [String].Type: "a list of strings"
        case is Bool.Type: "true or false"
        default: String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
