#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The JSON bodies of dokuend's HTTP API (`/v1/…` on `run/dokuend.sock`). Keys are snake_case, times are UTC
/// seconds since the epoch. These types are the contract between dokuend and every client, curl included.

/// `GET /v1/health`.
public struct HealthResponse: Codable, Equatable, Sendable {
    public var version: String
    public var root: String
    public var apps: Int

    public init(version: String, root: String, apps: Int) {
        self.version = version
        self.root = root
        self.apps = apps
    }
}

/// One app, as `GET /v1/apps` and `GET /v1/apps/NAME` return it.
public struct AppInfo: Codable, Equatable, Sendable {
    public var name: String
    public var createdAt: Int64
    /// The current release (`v3`), nil before the first deploy.
    public var release: String?
    /// The branch pushes deploy, nil for the default (main, or master while the repository has no main).
    public var deployBranch: String?

    public init(name: String, createdAt: Int64, release: String?, deployBranch: String? = nil) {
        self.name = name
        self.createdAt = createdAt
        self.release = release
        self.deployBranch = deployBranch
    }

    enum CodingKeys: String, CodingKey {
        case name
        case createdAt = "created_at"
        case release
        case deployBranch = "deploy_branch"
    }
}

/// `POST /v1/apps/NAME/git`: the branch pushes deploy, or nil for the default.
public struct GitSettings: Codable, Equatable, Sendable {
    public var deployBranch: String?

    public init(deployBranch: String?) { self.deployBranch = deployBranch }

    enum CodingKeys: String, CodingKey {
        case deployBranch = "deploy_branch"
    }
}

/// `POST /v1/apps`.
public struct CreateAppRequest: Codable, Equatable, Sendable {
    public var name: String

    public init(name: String) { self.name = name }
}

/// What went wrong, as a stable word a client can switch over; the message says the rest. Each code has one HTTP
/// status, and the CLI one exit status (the table is in docs/API.md).
public enum APIErrorCode: String, Codable, CaseIterable, Equatable, Sendable {
    /// The request names something that cannot be: a bad name, key, value or body (400).
    case invalid
    /// The caller may not use the API: an app's own user (403).
    case forbidden
    /// The app, release, process, domain or buildpack named does not exist (404).
    case notFound = "not_found"
    /// The request clashes with what exists: a name taken, an app with no release yet (409).
    case conflict
    /// Another deploy of the app is running (409); trying again later may succeed.
    case deployInProgress = "deploy_in_progress"
    /// A well-formed value that nginx refused (`nginx -t`); nothing changed (422).
    case rejected
    /// Something dokuend needs is not there right now (503).
    case unavailable
    /// dokuend failed at its own work (500).
    case `internal`

    /// The HTTP status dokuend answers with.
    public var status: Int {
        switch self {
        case .invalid: 400
        case .forbidden: 403
        case .notFound: 404
        case .conflict, .deployInProgress: 409
        case .rejected: 422
        case .unavailable: 503
        case .internal: 500
        }
    }

    /// The code for an answer that carries none (a daemon older than codes, Hummingbird's own 404): its status.
    public init(status: Int) {
        switch status {
        case 403: self = .forbidden
        case 404, 405: self = .notFound
        case 409: self = .conflict
        case 422: self = .rejected
        case 503: self = .unavailable
        case 400..<500: self = .invalid
        default: self = .internal
        }
    }
}

/// The body of every error response: `{"error": {"code": "not_found", "message": "…"}}`. The message is one line
/// in the project's grammar, ready to print after `dokuen: error: `.
public struct ErrorBody: Codable, Equatable, Sendable {
    public var error: APIErrorDetail

    public init(code: APIErrorCode, message: String) { error = APIErrorDetail(code: code, message: message) }

    /// Reads an error answer with its HTTP status. Daemons before codes answered `{"error": "<line>"}`; that shape,
    /// and a code this client does not know, take their code from the status. Nil when the body is not JSON.
    public static func decode(_ body: [UInt8], status: Int) -> APIErrorDetail? {
        let fallback = APIErrorCode(status: status)
        guard let json = try? JSONDecoder().decode(Shape.self, from: Data(body)) else { return nil }
        switch json.error {
        case .line(let message): return APIErrorDetail(code: fallback, message: message)
        case .detail(let code, let message):
            return APIErrorDetail(code: code.flatMap(APIErrorCode.init(rawValue:)) ?? fallback, message: message)
        }
    }

    /// Either shape of `error`, for `decode`.
    private struct Shape: Decodable {
        enum Payload {
            case line(String)
            case detail(code: String?, message: String)
        }
        var error: Payload

        struct Detail: Decodable {
            var code: String?
            var message: String
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let line = try? container.decode(String.self, forKey: .error) {
                error = .line(line)
            } else {
                let detail = try container.decode(Detail.self, forKey: .error)
                error = .detail(code: detail.code, message: detail.message)
            }
        }

        enum CodingKeys: String, CodingKey { case error }
    }
}

/// `error` of an error answer.
public struct APIErrorDetail: Codable, Equatable, Sendable {
    public var code: APIErrorCode
    public var message: String

    public init(code: APIErrorCode, message: String) {
        self.code = code
        self.message = message
    }
}

/// One line of the NDJSON stream `POST /v1/apps/:app/deploys` answers with, as the deploy happens: first `deploy`,
/// the deploy's id, once it holds the app's lock; `line`s of output as the user sees them (`-----> ` step headers,
/// build output indented 7 spaces); then exactly one last event with `release` (it is up) or `error` (it failed;
/// what was serving still serves). A client whose stream ends without the last event asks
/// `GET /v1/apps/:app/deploys/:id` how the deploy ended (`DeployOutcome`).
public struct DeployEvent: Codable, Equatable, Sendable {
    public var deploy: Int64?
    public var line: String?
    public var release: String?
    public var error: String?

    public init(deploy: Int64? = nil, line: String? = nil, release: String? = nil, error: String? = nil) {
        self.deploy = deploy
        self.line = line
        self.release = release
        self.error = error
    }
}

/// `GET /v1/apps/:app/deploys/:id`: where a deploy is. `state` is `running`, `succeeded` (with `release`) or
/// `failed` (with `error`); a deploy cut short by a restart of dokuend is ended by the next start before the API
/// answers, from its recorded phase (docs/FAULTS.md), so a client that lost its stream learns the truth here.
public struct DeployOutcome: Codable, Equatable, Sendable {
    public var id: Int64
    public var app: String
    public var state: String
    public var release: String?
    public var error: String?
    /// The cutover's last recorded phase (docs/FAULTS.md), if it recorded one.
    public var phase: String?
    /// What it deploys: `git push 1a2b3c4`, `tarball`, `config`, `restart`, `rollback to v2`…
    public var source: String?

    public init(
        id: Int64, app: String, state: String, release: String?, error: String?, phase: String?, source: String? = nil
    ) {
        self.id = id
        self.app = app
        self.state = state
        self.release = release
        self.error = error
        self.phase = phase
        self.source = source
    }
}

/// One process instance in `GET /v1/status` and `dokuen status --json` (docs/DESIGN.md §2).
public struct InstanceStatus: Codable, Equatable, Sendable {
    public var app: String
    public var type: String
    public var index: Int
    public var release: String
    public var state: String
    public var pid: Int32?
    public var shimPID: Int32?
    public var port: Int?
    /// UTC seconds of the last state change.
    public var since: Int64
    public var restarts: Int
    /// `code 1`, `signal 9`, or nil.
    public var exit: String?
    /// The app process's resident memory in bytes (`/proc/PID/statm`), read when the status was asked; nil
    /// without a pid. Its children are not counted.
    public var rssBytes: Int?
    /// The app process's user plus system CPU time in seconds (`/proc/PID/stat`); nil without a pid. Its
    /// children are not counted.
    public var cpuSeconds: Double?
    /// The log output the instance's shim dropped because the disk refused it, over the shim's life; 0 when none
    /// (and when the key is missing: older daemons).
    public var logDroppedBytes: Int64
    /// The shim is dropping log output now (the disk still refuses it); false when the key is missing.
    public var logDropping: Bool

    public init(
        app: String, type: String, index: Int, release: String, state: String, pid: Int32?, shimPID: Int32?,
        port: Int?, since: Int64, restarts: Int, exit: String?, rssBytes: Int? = nil, cpuSeconds: Double? = nil,
        logDroppedBytes: Int64 = 0, logDropping: Bool = false
    ) {
        self.app = app
        self.type = type
        self.index = index
        self.release = release
        self.state = state
        self.pid = pid
        self.shimPID = shimPID
        self.port = port
        self.since = since
        self.restarts = restarts
        self.exit = exit
        self.rssBytes = rssBytes
        self.cpuSeconds = cpuSeconds
        self.logDroppedBytes = logDroppedBytes
        self.logDropping = logDropping
    }

    enum CodingKeys: String, CodingKey {
        case app, type, index, release, state, pid, port, since, restarts, exit
        case shimPID = "shim_pid"
        case rssBytes = "rss_bytes"
        case cpuSeconds = "cpu_seconds"
        case logDroppedBytes = "log_dropped_bytes"
        case logDropping = "log_dropping"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        app = try container.decode(String.self, forKey: .app)
        type = try container.decode(String.self, forKey: .type)
        index = try container.decode(Int.self, forKey: .index)
        release = try container.decode(String.self, forKey: .release)
        state = try container.decode(String.self, forKey: .state)
        pid = try container.decodeIfPresent(Int32.self, forKey: .pid)
        shimPID = try container.decodeIfPresent(Int32.self, forKey: .shimPID)
        port = try container.decodeIfPresent(Int.self, forKey: .port)
        since = try container.decode(Int64.self, forKey: .since)
        restarts = try container.decode(Int.self, forKey: .restarts)
        exit = try container.decodeIfPresent(String.self, forKey: .exit)
        rssBytes = try container.decodeIfPresent(Int.self, forKey: .rssBytes)
        cpuSeconds = try container.decodeIfPresent(Double.self, forKey: .cpuSeconds)
        logDroppedBytes = try container.decodeIfPresent(Int64.self, forKey: .logDroppedBytes) ?? 0
        logDropping = try container.decodeIfPresent(Bool.self, forKey: .logDropping) ?? false
    }

    /// Always write every key, null included, as `status --json` promises.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(app, forKey: .app)
        try container.encode(type, forKey: .type)
        try container.encode(index, forKey: .index)
        try container.encode(release, forKey: .release)
        try container.encode(state, forKey: .state)
        try container.encode(pid, forKey: .pid)
        try container.encode(shimPID, forKey: .shimPID)
        try container.encode(port, forKey: .port)
        try container.encode(since, forKey: .since)
        try container.encode(restarts, forKey: .restarts)
        try container.encode(exit, forKey: .exit)
        try container.encode(rssBytes, forKey: .rssBytes)
        try container.encode(cpuSeconds, forKey: .cpuSeconds)
        try container.encode(logDroppedBytes, forKey: .logDroppedBytes)
        try container.encode(logDropping, forKey: .logDropping)
    }
}

/// `POST /v1/apps/NAME/formation`: `{"formation": "web=2 worker=1"}`.
public struct ScaleRequest: Codable, Equatable, Sendable {
    public var formation: String

    public init(formation: String) { self.formation = formation }
}

/// One process type of an app's formation.
public struct FormationEntry: Codable, Equatable, Sendable {
    public var type: String
    public var count: Int
    public var stopped: Bool
    /// Slots stopped on their own (`dokuen stop blog:web.2`), ascending; `[]` when the key is missing (older
    /// daemons).
    public var stoppedIndexes: [Int]

    public init(type: String, count: Int, stopped: Bool, stoppedIndexes: [Int] = []) {
        self.type = type
        self.count = count
        self.stopped = stopped
        self.stoppedIndexes = stoppedIndexes
    }

    enum CodingKeys: String, CodingKey {
        case type, count, stopped
        case stoppedIndexes = "stopped_indexes"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        count = try container.decode(Int.self, forKey: .count)
        stopped = try container.decode(Bool.self, forKey: .stopped)
        stoppedIndexes = try container.decodeIfPresent([Int].self, forKey: .stoppedIndexes) ?? []
    }
}

/// The settings of one process type (`GET /v1/apps/NAME/settings`, `dokuen ps settings`): every key of
/// `dokuen ps set` with its value, set or default, and which keys are set.
public struct ProcessSettingsEntry: Codable, Equatable, Sendable {
    public var type: String
    /// Every key, snake_case as in app.json, with its canonical value: `{"stop_signal": "INT", …}`.
    public var settings: [String: String]
    /// The keys given a value, in the order `dokuen ps set --help` lists them; the others hold their defaults.
    public var setKeys: [String]

    public init(type: String, settings: [String: String], setKeys: [String]) {
        self.type = type
        self.settings = settings
        self.setKeys = setKeys
    }

    enum CodingKeys: String, CodingKey {
        case type, settings
        case setKeys = "set_keys"
    }
}

/// `POST /v1/apps/NAME/settings`: `{"type": "web", "set": {"stop_timeout": "10"}, "unset": ["restart"]}`. An unset
/// key goes back to its default.
public struct ProcessSettingsChange: Codable, Equatable, Sendable {
    public var type: String
    public var set: [String: String]
    public var unset: [String]

    public init(type: String, set: [String: String] = [:], unset: [String] = []) {
        self.type = type
        self.set = set
        self.unset = unset
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        set = try container.decodeIfPresent([String: String].self, forKey: .set) ?? [:]
        unset = try container.decodeIfPresent([String].self, forKey: .unset) ?? []
    }
}

/// The answer to a settings change: the type's settings now, the live instances (`blog:web.1`) that run with the
/// old ones until they are replaced, and the release that replaces them, if the change made one.
public struct ProcessSettingsChangeResult: Codable, Equatable, Sendable {
    public var settings: ProcessSettingsEntry
    public var instances: [String]
    public var release: String?

    public init(settings: ProcessSettingsEntry, instances: [String], release: String?) {
        self.settings = settings
        self.instances = instances
        self.release = release
    }
}

/// One entry of the audit log, `GET /v1/events[?app=NAME]`, newest first.
public struct EventEntry: Codable, Equatable, Sendable {
    public var at: Int64
    public var actor: String
    public var app: String?
    public var action: String
    public var detail: String

    public init(at: Int64, actor: String, app: String?, action: String, detail: String) {
        self.at = at
        self.actor = actor
        self.app = app
        self.action = action
        self.detail = detail
    }
}

/// `POST /v1/apps/NAME/config`: set and unset variables; unless `restart` is false, a new release goes out.
public struct ConfigChange: Codable, Equatable, Sendable {
    public var set: [String: String]
    public var unset: [String]
    public var restart: Bool

    public init(set: [String: String] = [:], unset: [String] = [], restart: Bool = true) {
        self.set = set
        self.unset = unset
        self.restart = restart
    }
}

/// The answer to a config change: the keys now set (never values) and the release it made, if any.
public struct ConfigChangeResult: Codable, Equatable, Sendable {
    public var keys: [String]
    public var release: String?

    public init(keys: [String], release: String?) {
        self.keys = keys
        self.release = release
    }
}

/// `POST /v1/control`: a supervisorctl verb for every instance a target names (`restart`, `signal`).
public struct ControlRequest: Codable, Equatable, Sendable {
    public var targets: [String]
    /// A shim control command: `r` (restart), `s<N>` (signal N), `h`, `t`, `k`.
    public var command: String

    public init(targets: [String], command: String) {
        self.targets = targets
        self.command = command
    }
}

/// `GET /v1/apps/NAME/run`: what `dokuen run` needs to execute a one-off command itself, as the app would run.
public struct RunSpec: Codable, Equatable, Sendable {
    public var directory: String
    public var environment: [String: String]
    /// The user to run as when the client is root; nil to stay as the caller.
    public var user: String?

    public init(directory: String, environment: [String: String], user: String?) {
        self.directory = directory
        self.environment = environment
        self.user = user
    }
}

/// `POST /v1/apps/NAME/run`: a one-off command that dokuend runs in the app's current release, as its user, with no
/// stdin and no terminal (`dokuen run` when it cannot become the app's user itself; `run_command` over ssh).
public struct RunRequest: Codable, Equatable, Sendable {
    /// The program and its arguments, exec'ed after the build's `.profile.d` scripts, as `dokuen run` does.
    public var command: [String]
    /// Seconds before its process group is stopped (SIGTERM, then SIGKILL 10 s later); nil: one hour.
    public var timeout: Int?

    public init(command: [String], timeout: Int? = nil) {
        self.command = command
        self.timeout = timeout
    }
}

/// One line of the NDJSON answer of `POST /v1/apps/NAME/run`, encoded as a deploy's stream: `{"line": …}` per line
/// of the command's merged stdout and stderr, then one last event: `{"exit": N}`, `{"signal": N}`, or `{"error": …}`
/// when it could not start or ran past its timeout.
public struct RunEvent: Codable, Equatable, Sendable {
    public var line: String?
    public var exit: Int32?
    public var signal: Int32?
    public var error: String?

    public init(line: String? = nil, exit: Int32? = nil, signal: Int32? = nil, error: String? = nil) {
        self.line = line
        self.exit = exit
        self.signal = signal
        self.error = error
    }
}

/// One release in `GET /v1/apps/NAME/releases` and `dokuen releases --json`, newest first.
public struct ReleaseEntry: Codable, Equatable, Sendable {
    public var version: String
    /// Unix seconds.
    public var createdAt: Int64
    public var createdBy: String
    public var description: String
    /// The build directory's name under `releases/`.
    public var build: String
    public var buildpack: String?
    public var commit: String?
    /// Whether this is the release that serves.
    public var current: Bool

    public init(
        version: String, createdAt: Int64, createdBy: String, description: String, build: String, buildpack: String?,
        commit: String?, current: Bool
    ) {
        self.version = version
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.description = description
        self.build = build
        self.buildpack = buildpack
        self.commit = commit
        self.current = current
    }

    enum CodingKeys: String, CodingKey {
        case version, createdBy = "created_by", createdAt = "created_at", description, build, buildpack, commit, current
    }
}

/// `POST /v1/apps/NAME/rollback`: the release to go back to, or nil for the one before the current one.
public struct RollbackRequest: Codable, Equatable, Sendable {
    public var release: String?

    public init(release: String?) { self.release = release }
}

/// The new release a rollback made, and the release whose build and env it reused.
public struct RollbackResult: Codable, Equatable, Sendable {
    public var release: String
    public var from: String

    public init(release: String, from: String) {
        self.release = release
        self.from = from
    }
}

/// A buildpack in `GET /v1/buildpacks`: built in, or installed from `source` at `commit`. The list comes in
/// detection order.
public struct BuildpackEntry: Codable, Equatable, Sendable {
    public var name: String
    /// `built-in` or `installed`.
    public var origin: String
    public var source: String?
    public var commit: String?
    /// Its place in the detection order, from 1; nil when detection does not try it.
    public var position: Int?
    /// For an installed buildpack with a built-in's name: it stands in for that built-in.
    public var replacesBuiltIn: Bool?

    public init(
        name: String, origin: String, source: String?, commit: String?, position: Int? = nil,
        replacesBuiltIn: Bool? = nil
    ) {
        self.name = name
        self.origin = origin
        self.source = source
        self.commit = commit
        self.position = position
        self.replacesBuiltIn = replacesBuiltIn
    }

    enum CodingKeys: String, CodingKey {
        case name, origin, source, commit, position
        case replacesBuiltIn = "replaces_built_in"
    }
}

/// `GET /v1/apps/NAME/buildpack`: what the app's next deploy builds with, and the rule that decides it
/// (docs/DESIGN.md §5: BUILDPACK_URL, then `buildpacks set`, then `.buildpacks`, then detection).
public struct BuildpackChoice: Codable, Equatable, Sendable {
    public var app: String
    /// `BUILDPACK_URL`, `buildpacks set`, `.buildpacks` or `detection`.
    public var rule: String
    /// The buildpacks the rule names, in order; for detection, the order detection tries.
    public var buildpacks: [String]
    /// Rules that are present but lose to `rule`, in precedence order.
    public var overridden: [String]
    /// The app's BUILDPACK_URL, nil when unset.
    public var buildpackURL: String?
    /// The app's `buildpacks set`, nil when none.
    public var setting: String?
    /// The `.buildpacks` of the current release's build, nil when it has none (the next push's tree decides).
    public var buildpacksFile: [String]?
    /// One line for people: why this rule, and what would change it.
    public var note: String

    public init(
        app: String, rule: String, buildpacks: [String], overridden: [String], buildpackURL: String?,
        setting: String?, buildpacksFile: [String]?, note: String
    ) {
        self.app = app
        self.rule = rule
        self.buildpacks = buildpacks
        self.overridden = overridden
        self.buildpackURL = buildpackURL
        self.setting = setting
        self.buildpacksFile = buildpacksFile
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case app, rule, buildpacks, overridden, setting, note
        case buildpackURL = "buildpack_url"
        case buildpacksFile = "buildpacks_file"
    }
}

/// `PUT /v1/apps/NAME/buildpack`: pin the app to `buildpack` (a name or an installed buildpack's `URL#ref`).
public struct SetBuildpackRequest: Codable, Equatable, Sendable {
    public var buildpack: String

    public init(buildpack: String) { self.buildpack = buildpack }
}

/// `POST /v1/buildpacks`: install `source` (a git URL or path, `#ref` allowed) as `name`.
public struct InstallBuildpackRequest: Codable, Equatable, Sendable {
    public var name: String
    public var source: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }
}

/// `POST /v1/apps/NAME/domains`.
public struct DomainRequest: Codable, Equatable, Sendable {
    public var hostname: String

    public init(hostname: String) { self.hostname = hostname }
}

/// `GET /v1/apps/:app/checks`, and the answer of every change to them.
public struct ChecksReport: Codable, Equatable, Sendable {
    /// False after `dokuen checks disable`: a cutover stops the old instances first.
    public var zeroDowntime: Bool
    /// Where the HTTP checks come from: `dokuen checks set`, `app.json`, or `none`.
    public var source: String
    /// Each HTTP check, every key with its value (snake_case keys; `content` is "" for any body).
    public var checks: [[String: String]]
    /// The keys `dokuen checks set` gave a value.
    public var setKeys: [String]
    /// What app.json holds that Dokuen does not run.
    public var notes: [String]
    /// The liveness checks of the current release's app.json, one line each (`web liveness: GET /live → 200 every
    /// 10 s (timeout 5 s), restart after 3 failures in a row`); absent from an older dokuend.
    public var liveness: [String]?
    /// `auto_rollback`: seconds after a cutover during which a release that crash-loops or fails liveness is rolled
    /// back; 0 when off (absent from an older dokuend).
    public var autoRollback: Int?

    public init(
        zeroDowntime: Bool, source: String, checks: [[String: String]], setKeys: [String], notes: [String],
        liveness: [String]? = nil, autoRollback: Int? = nil
    ) {
        self.autoRollback = autoRollback
        self.liveness = liveness
        self.zeroDowntime = zeroDowntime
        self.source = source
        self.checks = checks
        self.setKeys = setKeys
        self.notes = notes
    }
}

/// `POST /v1/apps/:app/checks`: `dokuen checks set APP KEY=VALUE… [KEY=]…`; `clear` drops the whole check first.
public struct ChecksChange: Codable, Equatable, Sendable {
    public var set: [String: String]
    public var unset: [String]
    public var clear: Bool

    public init(set: [String: String] = [:], unset: [String] = [], clear: Bool = false) {
        self.set = set
        self.unset = unset
        self.clear = clear
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        set = try container.decodeIfPresent([String: String].self, forKey: .set) ?? [:]
        unset = try container.decodeIfPresent([String].self, forKey: .unset) ?? []
        clear = try container.decodeIfPresent(Bool.self, forKey: .clear) ?? false
    }
}

/// `POST /v1/apps/:app/checks/run`: the checks run against the web instances serving now.
public struct ChecksRunResult: Codable, Equatable, Sendable {
    public struct Instance: Codable, Equatable, Sendable {
        public var dyno: String
        public var port: Int
        public var passed: Bool
        public var detail: String

        public init(dyno: String, port: Int, passed: Bool, detail: String) {
            self.dyno = dyno
            self.port = port
            self.passed = passed
            self.detail = detail
        }
    }

    public var release: String?
    public var passed: Bool
    public var results: [Instance]

    public init(release: String?, passed: Bool, results: [Instance]) {
        self.release = release
        self.passed = passed
        self.results = results
    }
}

/// `POST /v1/apps/NAME/certs`: the PEM text of a certificate chain (leaf first) and of its private key.
public struct CertificateRequest: Codable, Equatable, Sendable {
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}

/// An app's certificate, as `GET`, `POST` and `DELETE /v1/apps/NAME/certs` answer: whether one is installed,
/// whether nginx serves it (routing is on), and what openssl reads in it (null without openssl).
public struct CertificateInfo: Codable, Equatable, Sendable {
    public var app: String
    public var installed: Bool
    /// Installed and routing is on: nginx serves it on the TLS port and redirects plain HTTP there.
    public var served: Bool
    /// The app's address: https when served, http when routing is on without a certificate, else null.
    public var url: String?
    public var subject: String?
    public var issuer: String?
    /// UTC seconds since the epoch.
    public var notAfter: Int64?
    /// Set when dokuend obtains and renews the certificate itself (`dokuen certs auto`); null otherwise.
    public var automatic: AutomaticCertificate?
    /// Whether nginx serves the base domain's wildcard for this app (it has no certificate of its own).
    public var wildcard: Bool

    public init(
        app: String, installed: Bool, served: Bool, url: String?, subject: String? = nil, issuer: String? = nil,
        notAfter: Int64? = nil, automatic: AutomaticCertificate? = nil, wildcard: Bool = false
    ) {
        self.app = app
        self.installed = installed
        self.served = served
        self.url = url
        self.subject = subject
        self.issuer = issuer
        self.notAfter = notAfter
        self.automatic = automatic
        self.wildcard = wildcard
    }

    enum CodingKeys: String, CodingKey {
        case app, installed, served, url, subject, issuer, automatic, wildcard
        case notAfter = "not_after"
    }

    /// Every key, null included, so that scripts can rely on them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(app, forKey: .app)
        try container.encode(installed, forKey: .installed)
        try container.encode(served, forKey: .served)
        try container.encode(url, forKey: .url)
        try container.encode(subject, forKey: .subject)
        try container.encode(issuer, forKey: .issuer)
        try container.encode(notAfter, forKey: .notAfter)
        try container.encode(automatic, forKey: .automatic)
        try container.encode(wildcard, forKey: .wildcard)
    }

    /// `automatic` and `wildcard` are absent from an older daemon's answer.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        app = try container.decode(String.self, forKey: .app)
        installed = try container.decode(Bool.self, forKey: .installed)
        served = try container.decode(Bool.self, forKey: .served)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        issuer = try container.decodeIfPresent(String.self, forKey: .issuer)
        notAfter = try container.decodeIfPresent(Int64.self, forKey: .notAfter)
        automatic = try container.decodeIfPresent(AutomaticCertificate.self, forKey: .automatic)
        wildcard = try container.decodeIfPresent(Bool.self, forKey: .wildcard) ?? false
    }
}

/// How dokuend keeps a certificate (docs/CERTS.md): the challenge, the last attempt and its outcome, and the next.
/// Times are UTC seconds since the epoch.
public struct AutomaticCertificate: Codable, Equatable, Sendable {
    /// `http-01` or `dns-01`.
    public var challenge: String
    /// The names asked for (`*.example.com` and `example.com` for the wildcard).
    public var domains: [String]
    /// Failed attempts in a row; 0 after a success.
    public var failures: Int
    public var lastAttempt: Int64?
    public var lastSuccess: Int64?
    /// The last failure's one line, while failures > 0.
    public var lastError: String?
    public var nextAttempt: Int64?

    public init(
        challenge: String, domains: [String], failures: Int, lastAttempt: Int64?, lastSuccess: Int64?,
        lastError: String?, nextAttempt: Int64?
    ) {
        self.challenge = challenge
        self.domains = domains
        self.failures = failures
        self.lastAttempt = lastAttempt
        self.lastSuccess = lastSuccess
        self.lastError = lastError
        self.nextAttempt = nextAttempt
    }

    enum CodingKeys: String, CodingKey {
        case challenge, domains, failures
        case lastAttempt = "last_attempt"
        case lastSuccess = "last_success"
        case lastError = "last_error"
        case nextAttempt = "next_attempt"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(challenge, forKey: .challenge)
        try container.encode(domains, forKey: .domains)
        try container.encode(failures, forKey: .failures)
        try container.encode(lastAttempt, forKey: .lastAttempt)
        try container.encode(lastSuccess, forKey: .lastSuccess)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(nextAttempt, forKey: .nextAttempt)
    }
}

/// `POST /v1/apps/:app/certs/auto` (and `/v1/certs/wildcard`): turn automatic certificates on, with DNS-01 when
/// `dns` (always for the wildcard).
public struct AutomaticCertificateRequest: Codable, Equatable, Sendable {
    public var dns: Bool

    public init(dns: Bool) { self.dns = dns }
}

/// `GET /v1/certs/warnings`: one line per automatic certificate whose renewal fails or that expires within 14 days,
/// for `dokuen status`.
public struct CertificateWarning: Codable, Equatable, Sendable {
    /// The app, or `*` for the wildcard.
    public var name: String
    public var message: String

    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }
}

/// `POST /v1/apps/:app/maintenance`: maintenance on or off.
public struct MaintenanceRequest: Codable, Equatable, Sendable {
    public var on: Bool

    public init(on: Bool) { self.on = on }
}

/// `GET /v1/apps/:app/maintenance`, and the answer of a change: whether the app is in maintenance and which page
/// nginx shows then (`maintenance.html` of the build that serves, or `built-in`).
public struct MaintenanceInfo: Codable, Equatable, Sendable {
    public var app: String
    public var on: Bool
    public var page: String
    /// Whether the change (on a POST) changed anything; false for a GET.
    public var changed: Bool

    public init(app: String, on: Bool, page: String, changed: Bool) {
        self.app = app
        self.on = on
        self.page = page
        self.changed = changed
    }
}

/// `POST /v1/apps/:app/access`: one change, the first of these present: `clear`, `allow` CIDRs, `deny` CIDRs, or a
/// basic-auth `user` with its password `hash` (SHA-crypt or bcrypt; the password itself never travels).
public struct AccessRequest: Codable, Equatable, Sendable {
    public var clear: Bool?
    public var allow: [String]?
    public var deny: [String]?
    public var user: String?
    public var hash: String?

    public init(
        clear: Bool? = nil, allow: [String]? = nil, deny: [String]? = nil, user: String? = nil, hash: String? = nil
    ) {
        self.clear = clear
        self.allow = allow
        self.deny = deny
        self.user = user
        self.hash = hash
    }
}

/// `GET /v1/apps/:app/access`, and the answer of a change: the rules as nginx gets them, and the basic-auth users
/// (never their hashes).
public struct AccessInfo: Codable, Equatable, Sendable {
    public var app: String
    public var allow: [String]
    public var deny: [String]
    public var users: [String]

    public init(app: String, allow: [String], deny: [String], users: [String]) {
        self.app = app
        self.allow = allow
        self.deny = deny
        self.users = users
    }
}

/// `POST /v1/proxies`: a host name (`domain`, default NAME.<base domain>) routed to `upstream`.
public struct ProxyRequest: Codable, Equatable, Sendable {
    public var name: String
    public var upstream: String
    public var domain: String?

    public init(name: String, upstream: String, domain: String?) {
        self.name = name
        self.upstream = upstream
        self.domain = domain
    }
}

/// A proxy, as `GET /v1/proxies` lists it.
public struct ProxyInfo: Codable, Equatable, Sendable {
    public var name: String
    public var upstream: String
    public var hostname: String

    public init(name: String, upstream: String, hostname: String) {
        self.name = name
        self.upstream = upstream
        self.hostname = hostname
    }
}
