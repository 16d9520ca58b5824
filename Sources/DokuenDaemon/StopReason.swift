/// Why dokuend stops: a stop signal, or `dokuen shutdown` through the API.
public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    case signal(Int32)
    case shutdownRequest

    public var description: String {
        switch self {
        case .signal(let number): "on signal \(number)"
        case .shutdownRequest: "on request (dokuen shutdown)"
        }
    }
}
