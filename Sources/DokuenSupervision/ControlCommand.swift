/// A command written to a service directory's `control` FIFO, one per line (runit's and s6's letters where they
/// exist): `u` up, `d` down, `r` restart, `h` SIGHUP, `t` SIGTERM, `k` SIGKILL, `s<N>` signal N, `x` exit.
public enum ControlCommand: Equatable, Sendable {
    case up
    case down
    case restart
    case signal(Int32)
    case exit

    public init?(line: String) {
        switch line {
        case "u": self = .up
        case "d": self = .down
        case "r": self = .restart
        case "h": self = .signal(Signals.hangup)
        case "t": self = .signal(Signals.terminate)
        case "k": self = .signal(Signals.kill)
        case "x": self = .exit
        default:
            let digits = line.utf8.dropFirst()
            guard line.hasPrefix("s"), !digits.isEmpty, digits.count <= 2, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                digits.first != 48, let number = Int32(String(line.dropFirst())), (1...64).contains(number)
            else {
                return nil
            }
            self = .signal(number)
        }
    }

    /// The line that encodes this command.
    public var line: String {
        switch self {
        case .up: "u"
        case .down: "d"
        case .restart: "r"
        case .signal(let number): "s" + String(number)
        case .exit: "x"
        }
    }
}
