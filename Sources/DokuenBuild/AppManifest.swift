public import DokuenCore
import DokuenPosix
import Foundation

/// What Dokuen reads of a build's `app.json` (docs/DESIGN.md §5): the `healthchecks` of its `web` process, in Dokku's
/// format, with one addition: `status`, the status the answer must have (default 200).
///
///     {"healthchecks": {"web": [{"type": "startup", "path": "/health", "content": "ok", "attempts": 3}]}}
///
/// Only startup checks with a `path` gate a cutover; `liveness` checks of any type (a `path` or a `command`) are run
/// by dokuend against RUNNING instances (`LivenessCheck`). What Dokuen does not run is reported, never silently
/// dropped: startup checks of other process types, `readiness` checks, `command` and `https` startup checks. `uptime`
/// and `listening` are noted as covered: every instance must stay up `startsecs` and every web port must accept.
/// Any other top-level key (`name`, `addons`…) is named in the notes, never silently dropped.
///
/// `env` is Heroku's (docs/DESIGN.md §5, "which wins?"): the app's config always wins; a variable the config lacks
/// gets its `value`, or with `"generator": "secret"` 64 random hex digits, written to the config once (so a second
/// deploy and a rollback keep it); one with neither that is `required` (Heroku's default) fails the deploy before
/// the build, by name. `scripts.dokku.predeploy`, `scripts.dokku.postdeploy` and `scripts.postdeploy` are Dokku's.
///
///     {"env": {"SECRET_KEY": {"generator": "secret"}, "MODE": {"value": "prod"}, "API_TOKEN": {"required": true}},
///      "scripts": {"dokku": {"predeploy": "./check", "postdeploy": "./notify"}, "postdeploy": "./seed"}}
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
    /// The liveness checks of every type, in file order (`"type": "liveness"`).
    public var liveness: [LivenessCheck] = []
    /// The `dokuen` section: settings per process type, each checked as `ps set` checks it.
    public var settings: [ProcessType: ProcessSettings] = [:]
    /// The `formation` section: each named type's count when it first appears in a release.
    public var formation: [ProcessType: Int] = [:]
    /// The `env` section, sorted by key: what each variable needs (docs/DESIGN.md §5, app.json `env`).
    public var env: [EnvRule] = []
    /// `scripts.dokku.predeploy`: run after the build, before the release phase; its failure fails the deploy.
    public var predeploy: String?
    /// `scripts.dokku.postdeploy`: run after every cutover; its failure is reported, never rolled back.
    public var postdeploy: String?
    /// `scripts.postdeploy` (Heroku's, as Dokku runs it): run once, after the cutover of the app's first release.
    public var firstPostdeploy: String?
    /// One line per entry not run, for the deploy's output.
    public var notes: [String] = []

    /// One variable of app.json's `env`. Heroku's rule: a variable is `required` unless it says
    /// `"required": false`; a `value` or a `generator` fills it when the config lacks it, so it never fails a deploy.
    public struct EnvRule: Equatable, Sendable {
        public enum Fill: Equatable, Sendable {
            /// Nothing fills it: the config must have it when `required`.
            case none
            /// `value`: a default, written to the config when the config lacks the variable.
            case value(String)
            /// `generator: "secret"`: 64 random hex digits, written once to the config when it lacks the variable.
            case secret
        }
        public let key: EnvKey
        public let required: Bool
        public let fill: Fill
        /// Its `description`, for the error that names a missing variable.
        public let description: String?

        public init(key: EnvKey, required: Bool = true, fill: Fill = .none, description: String? = nil) {
            self.key = key
            self.required = required
            self.fill = fill
            self.description = description
        }
    }

    /// The top-level keys Dokuen reads; any other is named in the notes. (`cron` is read by the cron part.)
    static let knownKeys: Set<String> = ["healthchecks", "dokuen", "formation", "env", "scripts", "cron"]

    public init(checks: [HealthCheck] = [], notes: [String] = []) {
        self.checks = checks
        self.notes = notes
    }

    /// What `env` asks of a config: the variables to write to it (defaults, and the names of the secrets to
    /// generate) and the required ones it lacks. The config wins: a variable it has, even empty, is left alone.
    public struct EnvPlan: Equatable, Sendable {
        public var defaults: [EnvKey: String] = [:]
        public var secrets: [EnvKey] = []
        public var missing: [EnvRule] = []

        public init() {}

        public var isEmpty: Bool { defaults.isEmpty && secrets.isEmpty && missing.isEmpty }
    }

    public func envPlan(config: [EnvKey: String]) -> EnvPlan {
        var plan = EnvPlan()
        for rule in env where config[rule.key] == nil {
            switch rule.fill {
            case .value(let value): plan.defaults[rule.key] = value
            case .secret: plan.secrets.append(rule.key)
            case .none: if rule.required { plan.missing.append(rule) }
            }
        }
        return plan
    }

    /// 64 hex digits (256 bits) from the system's random generator (getrandom(2)): `generator: "secret"`.
    public static func secret() -> String { RandomHex.digits(bytes: 32) }

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
        for key in file.otherKeys {
            manifest.notes.append("\(Quoting.printable(key, limit: 60)): \(Self.unused(key))")
        }
        try readEnv(file.env ?? [:], into: &manifest, fail: fail)
        try readScripts(file.scripts, into: &manifest, fail: fail)
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
                if entry.type == "liveness" {
                    manifest.liveness.append(
                        try liveness(
                            entry, type: type, label: label, at: [.key("healthchecks"), .key(type), .index(position)],
                            fail: fail))
                    continue
                }
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

    /// A `"type": "liveness"` entry: a `path` (HTTP) or a `command`, never both.
    private static func liveness(
        _ entry: Entry, type name: String, label: String, at place: [JSONText.PathKey],
        fail: ([JSONText.PathKey], String) -> BuildError
    ) throws(BuildError) -> LivenessCheck {
        let type: ProcessType
        do throws(CoreError) { type = try ProcessType(name) } catch { throw fail(place, "\(label): \(error)") }
        func seconds(_ value: Int?, _ key: String, _ range: ClosedRange<Int>, _ fallback: Int) throws(BuildError) -> Int
        {
            guard let value else { return fallback }
            guard range.contains(value) else {
                throw fail(
                    place + [.key(key)],
                    "\(label).\(key) should be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        let period = try seconds(entry.wait, "wait", 1...HealthCheck.maxSeconds, LivenessCheck.defaultPeriod)
        let timeout = try seconds(entry.timeout, "timeout", 1...HealthCheck.maxSeconds, LivenessCheck.defaultTimeout)
        let threshold = try seconds(
            entry.attempts, "attempts", 1...HealthCheck.maxAttempts, LivenessCheck.defaultThreshold)
        let delay = try seconds(entry.initialDelay, "initialDelay", 0...HealthCheck.maxSeconds, 0)
        let probe: LivenessCheck.Probe
        switch (entry.path, entry.command) {
        case (let target?, nil):
            var check = HealthCheck()
            let values: [(HealthCheck.Key, String?)] = [
                (.path, target), (.status, entry.status.map(String.init)), (.content, entry.content),
                (.timeout, String(timeout)),
            ]
            for case (let key, let text?) in values {
                do throws(CoreError) { try check.set(key, to: text) } catch { throw fail(place, "\(label): \(error)") }
            }
            if let scheme = entry.scheme, scheme != "http" {
                throw fail(
                    place,
                    "\(label): only http liveness checks are run (scheme \(Quoting.printable(scheme, limit: 20)))")
            }
            probe = .http(check)
        case (nil, let argv?):
            guard let first = argv.first, !first.isEmpty, !argv.contains(where: { $0.utf8.contains(0) }) else {
                throw fail(place + [.key("command")], "\(label).command should be a non-empty list of arguments")
            }
            probe = .command(argv)
        case (nil, nil): throw fail(place, "\(label): a liveness check needs a path or a command")
        case (_?, _?): throw fail(place, "\(label): a path and a command both; give one or the other")
        }
        return LivenessCheck(
            type: type, probe: probe, period: period, timeout: timeout, threshold: threshold, initialDelay: delay)
    }

    /// Why a top-level key of Heroku's or Dokku's format is not used.
    static func unused(_ key: String) -> String {
        switch key {
        case "name", "description", "keywords", "website", "repository", "logo", "success_url":
            "a description of the app; not used by Dokuen"
        case "addons": "not used by Dokuen; add-ons are made with dokuen addons create"
        case "buildpacks": "not used by Dokuen; buildpacks are chosen with dokuen buildpacks set"
        case "stack", "image": "not used by Dokuen (no container image: the build runs on this host)"
        case "environments": "not used by Dokuen (no review or test apps)"
        default: "not a key Dokuen knows; ignored"
        }
    }

    /// `env`: each variable's rule, checked whole before anything uses it.
    private static func readEnv(
        _ entries: [String: EnvEntry], into manifest: inout AppManifest,
        fail: ([JSONText.PathKey], String) -> BuildError
    ) throws(BuildError) {
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let label = "env.\(Quoting.printable(name, limit: 60))"
            let key: EnvKey
            do throws(CoreError) { key = try EnvKey(name) } catch {
                throw fail([.key("env"), .key(name)], "\(label): \(error)")
            }
            var fill = EnvRule.Fill.none
            if let value = entry.value {
                do throws(CoreError) { try EnvDir.validate(value, for: key) } catch {
                    let path: [JSONText.PathKey] =
                        [.key("env"), .key(name)] + (entry.isShorthand ? [] : [.key("value")])
                    throw fail(path, "\(label).value: \(error)")
                }
                fill = .value(value)
            }
            if let generator = entry.generator {
                guard generator == "secret" else {
                    throw fail(
                        [.key("env"), .key(name), .key("generator")],
                        "\(label).generator: \"\(Quoting.printable(generator, limit: 60))\" is not one Dokuen runs; "
                            + "the only generator is \"secret\"")
                }
                guard entry.value == nil else {
                    throw fail(
                        [.key("env"), .key(name)], "\(label): a value and a generator both; give one or the other")
                }
                fill = .secret
            }
            for other in entry.otherKeys {
                manifest.notes.append("\(label).\(Quoting.printable(other, limit: 60)): not a key of env; ignored")
            }
            manifest.env.append(
                EnvRule(
                    key: key, required: entry.required ?? true, fill: fill,
                    description: entry.description.map { Quoting.printable($0, limit: 120) }))
        }
    }

    /// `scripts`: Dokku's `dokku.predeploy` and `dokku.postdeploy`, Heroku's `postdeploy` (a string, or an object
    /// with `command`); any other script is named in the notes.
    private static func readScripts(
        _ scripts: Scripts?, into manifest: inout AppManifest, fail: ([JSONText.PathKey], String) -> BuildError
    ) throws(BuildError) {
        guard let scripts else { return }
        func command(_ text: String?, _ path: [JSONText.PathKey], _ label: String) throws(BuildError) -> String? {
            guard let text else { return nil }
            guard !text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" }) else {
                throw fail(path, "\(label) is empty; give a command or leave the key out")
            }
            guard !text.utf8.contains(0) else { throw fail(path, "\(label) holds a NUL byte") }
            return text
        }
        manifest.predeploy = try command(
            scripts.dokku?.predeploy, [.key("scripts"), .key("dokku"), .key("predeploy")], "scripts.dokku.predeploy")
        manifest.postdeploy = try command(
            scripts.dokku?.postdeploy, [.key("scripts"), .key("dokku"), .key("postdeploy")], "scripts.dokku.postdeploy")
        manifest.firstPostdeploy = try command(
            scripts.postdeploy?.command, [.key("scripts"), .key("postdeploy")], "scripts.postdeploy")
        for key in scripts.otherKeys {
            manifest.notes.append("scripts.\(Quoting.printable(key, limit: 60)): not a script Dokuen runs; ignored")
        }
        for key in scripts.dokku?.otherKeys ?? [] {
            manifest.notes.append(
                "scripts.dokku.\(Quoting.printable(key, limit: 60)): not a script Dokuen runs; ignored")
        }
        for key in scripts.postdeploy?.otherKeys ?? [] {
            manifest.notes.append(
                "scripts.postdeploy.\(Quoting.printable(key, limit: 60)): not used by Dokuen; ignored")
        }
    }

    /// The keys read, with Dokku's names, and the names of the others.
    struct File: Decodable {
        let healthchecks: [String: [Entry]]?
        let dokuen: [String: [String: SettingValue]]?
        let formation: [String: FormationEntry]?
        let env: [String: EnvEntry]?
        let scripts: Scripts?
        let otherKeys: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            func key(_ name: String) -> AnyKey { AnyKey(stringValue: name) }
            healthchecks = try container.decodeIfPresent([String: [Entry]].self, forKey: key("healthchecks"))
            dokuen = try container.decodeIfPresent([String: [String: SettingValue]].self, forKey: key("dokuen"))
            formation = try container.decodeIfPresent([String: FormationEntry].self, forKey: key("formation"))
            env = try container.decodeIfPresent([String: EnvEntry].self, forKey: key("env"))
            scripts = try container.decodeIfPresent(Scripts.self, forKey: key("scripts"))
            otherKeys = container.allKeys.map(\.stringValue).filter { !AppManifest.knownKeys.contains($0) }.sorted()
        }
    }

    /// A variable of Heroku's `env`: an object (`description`, `value`, `required`, `generator`), or a string, which
    /// is its `value`.
    struct EnvEntry: Decodable {
        let description: String?
        let value: String?
        let required: Bool?
        let generator: String?
        let otherKeys: [String]
        /// Whether it was a string: its value.
        let isShorthand: Bool

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                (description, value, required, generator, otherKeys, isShorthand) = (nil, text, nil, nil, [], true)
                return
            }
            isShorthand = false
            let container = try decoder.container(keyedBy: AnyKey.self)
            func key(_ name: String) -> AnyKey { AnyKey(stringValue: name) }
            description = try container.decodeIfPresent(String.self, forKey: key("description"))
            value = try container.decodeIfPresent(String.self, forKey: key("value"))
            required = try container.decodeIfPresent(Bool.self, forKey: key("required"))
            generator = try container.decodeIfPresent(String.self, forKey: key("generator"))
            let known: Set<String> = ["description", "value", "required", "generator"]
            otherKeys = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        }
    }

    /// `scripts`: Dokku's `dokku` object and Heroku's `postdeploy`.
    struct Scripts: Decodable {
        let dokku: DokkuScripts?
        let postdeploy: HerokuScript?
        let otherKeys: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            dokku = try container.decodeIfPresent(DokkuScripts.self, forKey: AnyKey(stringValue: "dokku"))
            postdeploy = try container.decodeIfPresent(HerokuScript.self, forKey: AnyKey(stringValue: "postdeploy"))
            otherKeys = container.allKeys.map(\.stringValue).filter { $0 != "dokku" && $0 != "postdeploy" }.sorted()
        }
    }

    struct DokkuScripts: Decodable {
        let predeploy: String?
        let postdeploy: String?
        let otherKeys: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            predeploy = try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "predeploy"))
            postdeploy = try container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "postdeploy"))
            otherKeys = container.allKeys.map(\.stringValue).filter { $0 != "predeploy" && $0 != "postdeploy" }
                .sorted()
        }
    }

    /// Heroku's `postdeploy`: a command, or an object with `command` (its `size` is not used).
    struct HerokuScript: Decodable {
        let command: String?
        let otherKeys: [String]

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                (command, otherKeys) = (text, [])
                return
            }
            let container = try decoder.container(keyedBy: AnyKey.self)
            command = try container.decode(String.self, forKey: AnyKey(stringValue: "command"))
            otherKeys = container.allKeys.map(\.stringValue).filter { $0 != "command" }.sorted()
        }
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
