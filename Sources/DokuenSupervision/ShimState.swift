/// The state of one supervised instance, with supervisord's names (supervisord docs, "Process States").
public enum ShimState: Equatable, Sendable {
    case stopped
    case starting
    case running
    case backoff
    case stopping
    case exited
    case fatal

    /// The upper-case name used in `status` files and in `dokuen status`.
    public var name: String {
        switch self {
        case .stopped: "STOPPED"
        case .starting: "STARTING"
        case .running: "RUNNING"
        case .backoff: "BACKOFF"
        case .stopping: "STOPPING"
        case .exited: "EXITED"
        case .fatal: "FATAL"
        }
    }

    public init?(name: String) {
        for state in [Self.stopped, .starting, .running, .backoff, .stopping, .exited, .fatal] where state.name == name
        {
            self = state
            return
        }
        return nil
    }
}

/// How a process ended.
public enum ProcessExit: Equatable, Sendable {
    case code(Int32)
    case signal(Int32)

    /// `code 1` or `signal 9`, as in `status` files.
    public var text: String {
        switch self {
        case .code(let code): "code " + String(code)
        case .signal(let signal): "signal " + String(signal)
        }
    }

    public init?(text: String) {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let number = Int32(String(parts[1])) else { return nil }
        switch parts[0] {
        case "code": self = .code(number)
        case "signal": self = .signal(number)
        default: return nil
        }
    }
}
