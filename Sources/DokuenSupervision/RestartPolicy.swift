/// When an exit is followed by a restart: `always`, `on-failure` (any exit whose code is not in `okCodes`, and any
/// death by signal), or `never`.
public enum RestartPolicy: Equatable, Sendable {
    case always
    case onFailure(okCodes: [Int32])
    case never

    public func restarts(after exit: ProcessExit) -> Bool {
        switch self {
        case .always: true
        case .never: false
        case .onFailure(let okCodes):
            if case .code(let code) = exit { !okCodes.contains(code) } else { true }
        }
    }
}
