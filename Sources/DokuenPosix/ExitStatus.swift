import CDokuenSpawn

/// How a process ended, decoded from a wait(2) status.
public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public init(waitStatus status: Int32) {
        if dokuen_wifsignaled(status) != 0 {
            self = .signaled(dokuen_wtermsig(status))
        } else {
            self = .exited(dokuen_wexitstatus(status))
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}
