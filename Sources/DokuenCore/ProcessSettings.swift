/// How the instances of one process type stop, restart, become ready and what they may use: the keys of `dokuen ps set APP TYPE
/// KEY=VALUE` and of the `dokuen` section of `app.json` (docs/DESIGN.md §5), which both read them through this one
/// parser. A key that is not set holds its default, which is what dokuen-shim does without the option, so an app
/// with no settings runs exactly as before. Values are plain settings, not secrets: messages and the event log
/// show them.
///
/// The ranges are those dokuen-shim accepts (docs/SHIM.md, `ShimOptions.parse`), in seconds where the shim takes
/// milliseconds, so a value accepted here never makes the shim refuse its command line.
///
/// `memory` and `pids` are parsed here like any key, but only a cgroup v2 per instance can enforce them
/// (`Key.needsCgroup`); whether one exists is the daemon's to say, so the daemon, not this parser, refuses them.
public struct ProcessSettings: Equatable, Sendable, KeyValueSettings {
    public static let example = "stop_timeout=10"

    /// A setting's name, snake_case as in `app.json`.
    public enum Key: String, CaseIterable, Comparable, Sendable, CustomStringConvertible {
        case stopSignal = "stop_signal"
        case stopTimeout = "stop_timeout"
        case restart
        case startsecs
        case readiness
        case startTimeout = "start_timeout"
        case nice
        case nofile
        case nproc
        case core
        case memory
        case pids
        case logMaxBytes = "log_max_bytes"
        case logBackups = "log_backups"

        public var description: String { rawValue }

        /// The values the key takes, as a message or `--help` says it.
        public var allowed: String {
            switch self {
            case .stopSignal:
                "a signal name (" + ProcessSettings.signalNames.map(\.name).joined(separator: ", ")
                    + ") or a number from 1 to 64"
            case .stopTimeout, .startsecs:
                "whole seconds from 0 to \(ProcessSettings.maxSeconds)"
            case .startTimeout:
                "whole seconds from 1 to \(ProcessSettings.maxSeconds)"
            case .restart: RestartPolicy.allCases.map(\.rawValue).joined(separator: ", ")
            case .readiness: Readiness.allCases.map(\.rawValue).joined(separator: ", ")
            case .nice: "a whole number from -20 (first served) to 19 (last)"
            case .nofile, .nproc, .core: "a whole number (0 or more) or unlimited"
            case .memory: "bytes, a whole number from 1 with an optional K, M or G suffix (1024-based)"
            case .pids: "a whole number from 1 to \(ProcessSettings.maxPIDs)"
            case .logMaxBytes: "bytes from 0 (never rotate) to 1024G, a whole number with an optional K, M or G suffix"
            case .logBackups: "a whole number from 0 to \(ProcessSettings.maxLogBackups)"
            }
        }

        /// Whether only a cgroup v2 of the instance's own can enforce the key: setrlimit(2) has no memory limit
        /// that counts what a process maps, and RLIMIT_NPROC counts the user's processes, not the instance's.
        public var needsCgroup: Bool {
            switch self {
            case .memory, .pids: true
            default: false
            }
        }

        /// What the key does, for `--help`.
        public var summary: String {
            switch self {
            case .stopSignal: "the signal sent to the instance's process group to stop it"
            case .stopTimeout: "how long a stop waits after the stop signal before SIGKILL"
            case .restart: "when an exited process is started again (on-failure: any exit but code 0)"
            case .startsecs: "with readiness=startsecs, how long a process must stay up to count as RUNNING"
            case .readiness:
                "what makes a new instance RUNNING: startsecs (it stayed up), port (its $PORT accepts a "
                    + "connection) or notify (it sent READY=1 to $NOTIFY_SOCKET)"
            case .startTimeout: "with readiness=port or notify, how long to wait before the start counts as failed"
            case .nice: "the niceness the app's process starts with (setpriority(2)), whatever dokuend's is"
            case .nofile: "the most open files per process (RLIMIT_NOFILE); unset inherits dokuend's"
            case .nproc: "the most processes of the app's user (RLIMIT_NPROC); unset inherits dokuend's"
            case .core: "the largest core dump in bytes (RLIMIT_CORE); unset inherits dokuend's"
            case .memory:
                "the most memory an instance may use; needs a cgroup v2 per instance, which this dokuend does "
                    + "not create, so ps set refuses it"
            case .pids:
                "the most processes an instance may run; needs a cgroup v2 per instance, which this dokuend does "
                    + "not create, so ps set refuses it"
            case .logMaxBytes: "the size at which an instance's log rotates (at the instance's next start)"
            case .logBackups: "how many rotated logs an instance keeps (at the instance's next start)"
            }
        }

        public static func < (lhs: Key, rhs: Key) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// When an exited process is started again (the shim's `--restart`).
    public enum RestartPolicy: String, CaseIterable, Sendable {
        case always
        /// Any exit but code 0, and any death by signal.
        case onFailure = "on-failure"
        case never
    }

    /// What makes a started instance RUNNING (the shim's `--startsecs`, `--ready-port`, `--ready-notify`).
    public enum Readiness: String, CaseIterable, Sendable {
        /// It stayed up `startsecs` seconds (supervisord's startsecs).
        case startsecs
        /// 127.0.0.1:$PORT accepted a TCP connection.
        case port
        /// It sent `READY=1` to `$NOTIFY_SOCKET` (sd_notify(3)).
        case notify
    }

    /// The longest time any setting takes: a day, the shim's limit of 86,400,000 ms.
    public static let maxSeconds = 86_400

    /// The most processes `pids` takes: Linux's PID_MAX_LIMIT on 64-bit hosts.
    public static let maxPIDs = 4_194_304

    /// The most rotated logs `log_backups` keeps, and the largest `log_max_bytes` (1 TiB): dokuen-shim's limits.
    public static let maxLogBackups = 1000
    public static let maxLogBytes: Int64 = 1 << 40

    /// The text of a limit key that is not set: the instance inherits dokuend's rlimits and cgroup.
    public static let inherit = "inherit"

    /// An rlimit's value (setrlimit(2), soft = hard); a key not set has none and inherits dokuend's.
    public enum Limit: Equatable, Sendable, CustomStringConvertible {
        case at(Int64)
        /// RLIM_INFINITY.
        case unlimited

        public var description: String {
            switch self {
            case .at(let value): String(value)
            case .unlimited: "unlimited"
            }
        }
    }

    /// Signal names, without `SIG`, with their Linux numbers: those dokuen-shim knows by name (`Signals`).
    public static let signalNames: [(name: String, number: Int32)] = [
        ("TERM", 15), ("INT", 2), ("QUIT", 3), ("HUP", 1), ("USR1", 10), ("USR2", 12), ("KILL", 9), ("WINCH", 28),
        ("CONT", 18),
    ]

    /// The signal number; TERM unless set.
    public private(set) var stopSignal: Int32 = 15
    /// Seconds; 30 unless set (docs/DESIGN.md §5).
    public private(set) var stopTimeout = 30
    public private(set) var restart = RestartPolicy.always
    /// Seconds; 1 unless set.
    public private(set) var startsecs = 1
    public private(set) var readiness = Readiness.startsecs
    /// Seconds; 60 unless set.
    public private(set) var startTimeout = 60
    /// -20 to 19; 0 unless set, so an instance never keeps the niceness of the dokuend thread that started it.
    public private(set) var nice: Int32 = 0
    /// RLIMIT_NOFILE; nil (inherit dokuend's) unless set.
    public private(set) var nofile: Limit?
    /// RLIMIT_NPROC; nil (inherit dokuend's) unless set.
    public private(set) var nproc: Limit?
    /// RLIMIT_CORE in bytes; nil (inherit dokuend's) unless set.
    public private(set) var core: Limit?
    /// Bytes; nil unless set. Needs a cgroup v2 per instance (`Key.needsCgroup`).
    public private(set) var memory: Int64?
    /// Processes; nil unless set. Needs a cgroup v2 per instance (`Key.needsCgroup`).
    public private(set) var pids: Int?
    /// Bytes at which the log rotates (0: never); dokuen-shim's default, 10 MiB, unless set.
    public private(set) var logMaxBytes: Int64 = 10 << 20
    /// Rotated logs kept; dokuen-shim's default, 5, unless set.
    public private(set) var logBackups = 5
    /// The keys given a value; every other key holds its default.
    public private(set) var explicitKeys: Set<Key> = []

    /// Every key at its default.
    public init() {}

    /// Sets `key` from its text, after checking it against the key's range.
    public mutating func set(_ key: Key, to text: String) throws(CoreError) {
        func refuse() -> CoreError { .invalidSetting("\(key)=\(text)", reason: "\(key) takes \(key.allowed)") }
        switch key {
        case .stopSignal:
            guard let number = Self.signalNumber(text) else { throw refuse() }
            stopSignal = number
        case .stopTimeout:
            guard let seconds = Self.seconds(text, from: 0) else { throw refuse() }
            stopTimeout = seconds
        case .restart:
            guard let policy = RestartPolicy(rawValue: text) else { throw refuse() }
            restart = policy
        case .startsecs:
            guard let seconds = Self.seconds(text, from: 0) else { throw refuse() }
            startsecs = seconds
        case .readiness:
            guard let kind = Readiness(rawValue: text) else { throw refuse() }
            readiness = kind
        case .startTimeout:
            guard let seconds = Self.seconds(text, from: 1) else { throw refuse() }
            startTimeout = seconds
        case .nice:
            guard let number = Self.niceness(text) else { throw refuse() }
            nice = number
        case .nofile, .nproc, .core:
            guard let limit = Self.limit(text) else { throw refuse() }
            switch key {
            case .nofile: nofile = limit
            case .nproc: nproc = limit
            default: core = limit
            }
        case .memory:
            guard let bytes = Self.bytes(text) else { throw refuse() }
            memory = bytes
        case .pids:
            guard let number = Self.digits(text, maxLength: 7), (1...Self.maxPIDs).contains(number) else {
                throw refuse()
            }
            pids = number
        case .logMaxBytes:
            guard let bytes = text == "0" ? 0 : Self.bytes(text), bytes <= Self.maxLogBytes else { throw refuse() }
            logMaxBytes = bytes
        case .logBackups:
            guard let number = Self.digits(text, maxLength: 4), number <= Self.maxLogBackups else { throw refuse() }
            logBackups = number
        }
        explicitKeys.insert(key)
    }

    /// Puts `key` back to its default.
    public mutating func unset(_ key: Key) {
        let defaults = ProcessSettings()
        switch key {
        case .stopSignal: stopSignal = defaults.stopSignal
        case .stopTimeout: stopTimeout = defaults.stopTimeout
        case .restart: restart = defaults.restart
        case .startsecs: startsecs = defaults.startsecs
        case .readiness: readiness = defaults.readiness
        case .startTimeout: startTimeout = defaults.startTimeout
        case .nice: nice = defaults.nice
        case .nofile: nofile = nil
        case .nproc: nproc = nil
        case .core: core = nil
        case .memory: memory = nil
        case .pids: pids = nil
        case .logMaxBytes: logMaxBytes = defaults.logMaxBytes
        case .logBackups: logBackups = defaults.logBackups
        }
        explicitKeys.remove(key)
    }

    /// The canonical text of `key`'s value, set or default: `INT`, `30`, `on-failure`, `512M`, `inherit`.
    public func value(_ key: Key) -> String {
        switch key {
        case .stopSignal:
            Self.signalNames.first { $0.number == stopSignal }?.name ?? String(stopSignal)
        case .stopTimeout: String(stopTimeout)
        case .restart: restart.rawValue
        case .startsecs: String(startsecs)
        case .readiness: readiness.rawValue
        case .startTimeout: String(startTimeout)
        case .nice: String(nice)
        case .nofile: nofile?.description ?? Self.inherit
        case .nproc: nproc?.description ?? Self.inherit
        case .core: core?.description ?? Self.inherit
        case .memory: memory.map(Self.bytesText) ?? Self.inherit
        case .pids: pids.map { String($0) } ?? Self.inherit
        case .logMaxBytes: logMaxBytes == 0 ? "0" : Self.bytesText(logMaxBytes)
        case .logBackups: String(logBackups)
        }
    }

    /// The keys that are set, with their canonical text: what the store keeps and the API returns.
    public var explicitValues: [String: String] {
        Dictionary(uniqueKeysWithValues: explicitKeys.map { ($0.rawValue, value($0)) })
    }

    /// These settings with every key `other` sets taking its value: app.json's `dokuen` section overlaid by `ps set`.
    public func overlaid(by other: ProcessSettings) -> ProcessSettings {
        var result = self
        for key in other.explicitKeys {
            // The value is other's canonical text, which `set` accepted once already.
            try? result.set(key, to: other.value(key))
        }
        return result
    }

    /// The default of `key`, as text.
    public static func defaultValue(_ key: Key) -> String { ProcessSettings().value(key) }

    /// `TERM`, `SIGTERM`, `term` or `15`; a number from 1 to 64 (Linux's signals, real-time ones included).
    static func signalNumber(_ text: String) -> Int32? {
        if let number = digits(text, maxLength: 2) {
            return (1...64).contains(number) ? Int32(number) : nil
        }
        var name = ""
        for scalar in text.unicodeScalars {
            guard scalar.isASCII else { return nil }
            // ASCII upper-casing by hand: DokuenCore has no Foundation.
            let value = scalar.value
            name.unicodeScalars.append((97...122).contains(value) ? Unicode.Scalar(value - 32)! : scalar)
        }
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        return signalNames.first { $0.name == name }?.number
    }

    private static func seconds(_ text: String, from lowest: Int) -> Int? {
        guard let number = digits(text, maxLength: 5), (lowest...maxSeconds).contains(number) else { return nil }
        return number
    }

    /// `-20` to `19`: a whole number with an optional `-`.
    private static func niceness(_ text: String) -> Int32? {
        let negative = text.hasPrefix("-")
        guard let magnitude = digits(negative ? String(text.dropFirst()) : text, maxLength: 2) else { return nil }
        let number = negative ? -magnitude : magnitude
        return (-20...19).contains(number) ? Int32(number) : nil
    }

    /// A whole number from 0 to Int64's largest (setrlimit(2) takes a 64-bit rlim_t), or `unlimited`.
    private static func limit(_ text: String) -> Limit? {
        if text == "unlimited" { return .unlimited }
        guard let number = digits(text, maxLength: 19), let value = Int64(exactly: number) else { return nil }
        return .at(value)
    }

    private static let byteSuffixes: [(suffix: Character, shift: Int64)] = [("G", 30), ("M", 20), ("K", 10)]

    /// `536870912`, `512M`, `1G`: a whole number from 1, times 1024, 1024² or 1024³ for K, M or G (as systemd's
    /// MemoryMax= reads them), that fits in 64 bits.
    private static func bytes(_ text: String) -> Int64? {
        var number = text
        var shift: Int64 = 0
        if let last = text.last, let unit = byteSuffixes.first(where: { $0.suffix == last }) {
            number.removeLast()
            shift = unit.shift
        }
        guard let value = digits(number, maxLength: 19), value >= 1, value <= Int64.max >> shift else { return nil }
        return Int64(value) << shift
    }

    /// Bytes in the largest suffix that divides them exactly: `512M`, `1536M`, `1G`, `1000`.
    private static func bytesText(_ bytes: Int64) -> String {
        for unit in byteSuffixes where bytes % (1 << unit.shift) == 0 {
            return String(bytes >> unit.shift) + String(unit.suffix)
        }
        return String(bytes)
    }

    /// A whole number written in 1 to `maxLength` ASCII digits, and nothing else (no sign, space or unit).
    private static func digits(_ text: String, maxLength: Int) -> Int? {
        guard !text.isEmpty, text.utf8.count <= maxLength, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return nil
        }
        return Int(text)
    }
}
