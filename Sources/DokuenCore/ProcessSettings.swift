/// How the instances of one process type stop, restart and become ready: the keys of `dokuen ps set APP TYPE
/// KEY=VALUE` and of the `dokuen` section of `app.json` (DESIGN.md §5), which both read them through this one
/// parser. A key that is not set holds its default, which is what dokuen-shim does without the option, so an app
/// with no settings runs exactly as before. Values are plain settings, not secrets: messages and the event log
/// show them.
///
/// The ranges are those dokuen-shim accepts (docs/SHIM.md, `ShimOptions.parse`), in seconds where the shim takes
/// milliseconds, so a value accepted here never makes the shim refuse its command line.
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

    /// Signal names, without `SIG`, with their Linux numbers: those dokuen-shim knows by name (`Signals`).
    public static let signalNames: [(name: String, number: Int32)] = [
        ("TERM", 15), ("INT", 2), ("QUIT", 3), ("HUP", 1), ("USR1", 10), ("USR2", 12), ("KILL", 9), ("WINCH", 28),
        ("CONT", 18),
    ]

    /// The signal number; TERM unless set.
    public private(set) var stopSignal: Int32 = 15
    /// Seconds; 30 unless set (DESIGN.md §5).
    public private(set) var stopTimeout = 30
    public private(set) var restart = RestartPolicy.always
    /// Seconds; 1 unless set.
    public private(set) var startsecs = 1
    public private(set) var readiness = Readiness.startsecs
    /// Seconds; 60 unless set.
    public private(set) var startTimeout = 60
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
        }
        explicitKeys.remove(key)
    }

    /// The canonical text of `key`'s value, set or default: `INT`, `30`, `on-failure`.
    public func value(_ key: Key) -> String {
        switch key {
        case .stopSignal:
            Self.signalNames.first { $0.number == stopSignal }?.name ?? String(stopSignal)
        case .stopTimeout: String(stopTimeout)
        case .restart: restart.rawValue
        case .startsecs: String(startsecs)
        case .readiness: readiness.rawValue
        case .startTimeout: String(startTimeout)
        }
    }

    /// The keys that are set, with their canonical text: what the store keeps and the API returns.
    public var explicitValues: [String: String] {
        Dictionary(uniqueKeysWithValues: explicitKeys.map { ($0.rawValue, value($0)) })
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

    /// A whole number written in 1 to `maxLength` ASCII digits, and nothing else (no sign, space or unit).
    private static func digits(_ text: String, maxLength: Int) -> Int? {
        guard !text.isEmpty, text.utf8.count <= maxLength, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return nil
        }
        return Int(text)
    }
}
