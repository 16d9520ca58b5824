#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A signal number with a name, so that callers outside DokuenPosix send signals without importing libc
/// (docs/ARCHITECTURE.md). DokuenSupervision's `Signals` names the same numbers for the shim's pure code, which may
/// import nothing; a test checks that the two agree.
public struct Signal: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let hangup = Signal(rawValue: SIGHUP)
    public static let interrupt = Signal(rawValue: SIGINT)
    public static let quit = Signal(rawValue: SIGQUIT)
    public static let kill = Signal(rawValue: SIGKILL)
    public static let user1 = Signal(rawValue: SIGUSR1)
    public static let user2 = Signal(rawValue: SIGUSR2)
    public static let pipe = Signal(rawValue: SIGPIPE)
    public static let terminate = Signal(rawValue: SIGTERM)
    public static let child = Signal(rawValue: SIGCHLD)
    public static let continueProcess = Signal(rawValue: SIGCONT)
}

extension Posix {
    /// kill(2) with a named signal; see `kill(_:_:)` for the pids it refuses. False when no such process exists.
    @discardableResult
    public static func kill(_ pid: Int32, _ signal: Signal) throws(PosixError) -> Bool {
        try kill(pid, signal.rawValue)
    }
}

extension ChildProcess {
    /// Sends a named signal to the child's whole process group. False when the group is gone.
    @discardableResult
    public func signalGroup(_ signal: Signal) throws(PosixError) -> Bool {
        try Posix.kill(-pid, signal.rawValue)
    }
}
