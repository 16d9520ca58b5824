/// The shim's whole configuration, parsed from its command line (docs/SHIM.md). Pure, so it is tested without
/// running the shim; the shim prints `message` of a `UsageError` and exits 64.
public struct ShimOptions: Equatable, Sendable {
    public var directory = ""
    public var logPath = ""
    public var logMaxBytes: Int64 = 10 * 1024 * 1024
    public var logBackups = 5
    public var logTimestamps = false
    public var workingDirectory = ""
    public var user = ""
    public var eventsSocket = ""
    public var machine = ShimMachine.Settings()
    /// The child's niceness, set explicitly before exec (setpriority(2)), so that nothing is inherited from the
    /// thread that started the shim. -20 to 19; 0 unless `--nice` says otherwise.
    public var nice: Int32 = 0
    /// Resource limits set in the child before exec (setrlimit(2), soft = hard), in `--limit` order.
    public var limits: [ResourceLimit] = []
    /// The program and its arguments.
    public var command: [String] = []

    public init() {}

    /// One `--limit NAME=VALUE`: an rlimit the child starts with. VALUE is a whole number or `unlimited`.
    public struct ResourceLimit: Equatable, Sendable {
        /// The resources `--limit` takes, by the names of `ulimit` and limits.conf(5).
        public enum Resource: String, CaseIterable, Sendable {
            /// RLIMIT_NOFILE: open files.
            case nofile
            /// RLIMIT_NPROC: processes of the user (counted per uid by the kernel).
            case nproc
            /// RLIMIT_CORE: the largest core dump, in bytes.
            case core
        }
        public var resource: Resource
        /// The limit, or nil for RLIM_INFINITY.
        public var value: Int64?

        public init(resource: Resource, value: Int64?) {
            self.resource = resource
            self.value = value
        }

        /// `NAME=VALUE`, as `--limit` takes it.
        public var argument: String {
            resource.rawValue + "=" + (value.map { String($0) } ?? "unlimited")
        }

        /// Parses `NAME=VALUE`; nil when it is not one.
        public init?(argument: String) {
            guard let equals = argument.firstIndex(of: "=") else { return nil }
            guard let resource = Resource(rawValue: String(argument[..<equals])) else { return nil }
            let text = String(argument[argument.index(after: equals)...])
            self.resource = resource
            if text == "unlimited" {
                value = nil
            } else if let number = Int64(text), number >= 0 {
                value = number
            } else {
                return nil
            }
        }
    }

    /// A command line the shim cannot run with.
    public struct UsageError: Error, Equatable, Sendable {
        public let message: String
    }

    /// Parses the arguments after `dokuen-shim run`.
    public static func parse(_ arguments: [String]) throws(UsageError) -> ShimOptions {
        var options = ShimOptions()
        var okCodes: [Int32] = [0]
        var policy = "always"
        var index = 0

        func value(_ flag: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count else { throw UsageError(message: flag + " needs a value") }
            return arguments[index]
        }
        func number(_ flag: String, _ range: ClosedRange<Int64>) throws(UsageError) -> Int64 {
            let text = try value(flag)
            guard let parsed = Int64(text), range.contains(parsed) else {
                throw UsageError(
                    message: flag + " takes a whole number from " + String(range.lowerBound) + " to "
                        + String(range.upperBound) + ", got '" + text + "'")
            }
            return parsed
        }
        let millis: ClosedRange<Int64> = 0...86_400_000

        while index < arguments.count {
            let flag = arguments[index]
            switch flag {
            case "--":
                options.command = Array(arguments[(index + 1)...])
                index = arguments.count
                continue
            case "--dir": options.directory = try value(flag)
            case "--log": options.logPath = try value(flag)
            case "--log-max-bytes": options.logMaxBytes = try number(flag, 0...(1 << 40))
            case "--log-backups": options.logBackups = Int(try number(flag, 0...1000))
            case "--log-timestamps": options.logTimestamps = true
            case "--cwd": options.workingDirectory = try value(flag)
            case "--user": options.user = try value(flag)
            case "--events": options.eventsSocket = try value(flag)
            case "--restart":
                policy = try value(flag)
                guard policy == "always" || policy == "on-failure" || policy == "never" else {
                    throw UsageError(message: "--restart takes always, on-failure or never, got '" + policy + "'")
                }
            case "--ok-exit":
                let text = try value(flag)
                okCodes = []
                for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let code = Int32(String(part)), (0...255).contains(code) else {
                        throw UsageError(
                            message: "--ok-exit takes exit codes 0-255 separated by ',', got '" + text + "'")
                    }
                    okCodes.append(code)
                }
            case "--backoff": options.machine.backoff.initial = try number(flag, 1...millis.upperBound)
            case "--backoff-max": options.machine.backoff.maximum = try number(flag, 1...millis.upperBound)
            case "--stable-after": options.machine.backoff.stableAfter = try number(flag, millis)
            case "--fatal-after": options.machine.backoff.fatalAfter = Int(try number(flag, 1...1_000_000))
            case "--fatal-retry": options.machine.backoff.fatalRetry = try number(flag, 1...millis.upperBound)
            case "--stop-signal":
                let text = try value(flag)
                guard let signal = Signals.number(text) else {
                    throw UsageError(message: "--stop-signal takes a signal name or number, got '" + text + "'")
                }
                options.machine.stopSignal = signal
            case "--stop-timeout": options.machine.stopTimeout = try number(flag, millis)
            case "--startsecs": options.machine.readiness = .upFor(try number(flag, millis))
            case "--ready-fd":
                options.machine.readiness = .notificationFD(Int32(try number(flag, 3...1023)))
            case "--ready-notify": options.machine.readiness = .notifySocket
            case "--ready-port": options.machine.readiness = .port(Int32(try number(flag, 1...65535)))
            case "--start-timeout": options.machine.startTimeout = try number(flag, 1...millis.upperBound)
            case "--down": options.machine.startDown = true
            case "--nice": options.nice = Int32(try number(flag, -20...19))
            case "--limit":
                let text = try value(flag)
                guard let limit = ResourceLimit(argument: text) else {
                    throw UsageError(
                        message: "--limit takes NAME=VALUE with NAME nofile, nproc or core and VALUE a whole number "
                            + "or unlimited, got '" + text + "'")
                }
                options.limits.append(limit)
            default:
                throw UsageError(message: "unknown option '" + flag + "'; see dokuen-shim --help")
            }
            index += 1
        }

        switch policy {
        case "on-failure": options.machine.restart = .onFailure(okCodes: okCodes)
        case "never": options.machine.restart = .never
        default: options.machine.restart = .always
        }
        guard !options.directory.isEmpty else { throw UsageError(message: "--dir is required") }
        guard !options.command.isEmpty, !options.command[0].isEmpty else {
            throw UsageError(message: "no program given; put it after --, e.g. -- /bin/sleep 60")
        }
        if options.logPath.isEmpty { options.logPath = options.directory + "/log" }
        if options.machine.backoff.maximum < options.machine.backoff.initial {
            throw UsageError(message: "--backoff-max must be at least --backoff")
        }
        return options
    }

    /// The command line that `parse` turns back into these options: what dokuend passes to `dokuen-shim run`.
    public func arguments() -> [String] {
        var out = ["--dir", directory]
        if logPath != directory + "/log" { out += ["--log", logPath] }
        out += ["--log-max-bytes", String(logMaxBytes), "--log-backups", String(logBackups)]
        if logTimestamps { out.append("--log-timestamps") }
        if !workingDirectory.isEmpty { out += ["--cwd", workingDirectory] }
        if !user.isEmpty { out += ["--user", user] }
        if !eventsSocket.isEmpty { out += ["--events", eventsSocket] }
        switch machine.restart {
        case .always: out += ["--restart", "always"]
        case .never: out += ["--restart", "never"]
        case .onFailure(let okCodes):
            out += ["--restart", "on-failure", "--ok-exit", okCodes.map { String($0) }.joined(separator: ",")]
        }
        let backoff = machine.backoff
        out += ["--backoff", String(backoff.initial), "--backoff-max", String(backoff.maximum)]
        out += ["--stable-after", String(backoff.stableAfter), "--fatal-after", String(backoff.fatalAfter)]
        out += ["--fatal-retry", String(backoff.fatalRetry), "--stop-signal", String(machine.stopSignal)]
        out += ["--stop-timeout", String(machine.stopTimeout), "--start-timeout", String(machine.startTimeout)]
        switch machine.readiness {
        case .upFor(let milliseconds): out += ["--startsecs", String(milliseconds)]
        case .notificationFD(let fd): out += ["--ready-fd", String(fd)]
        case .notifySocket: out.append("--ready-notify")
        case .port(let port): out += ["--ready-port", String(port)]
        }
        if machine.startDown { out.append("--down") }
        if nice != 0 { out += ["--nice", String(nice)] }
        for limit in limits { out += ["--limit", limit.argument] }
        return out + ["--"] + command
    }

    /// Where `program` is: itself when it contains `/`, else the first executable match in `searchPath`
    /// (`PATH` of the child's environment). Nil when there is none.
    public static func resolve(_ program: String, searchPath: String, isExecutable: (String) -> Bool) -> String? {
        if program.contains("/") { return program }
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = String(directory) + "/" + program
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }
}
