import CDokuenSpawn

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child started with posix_spawn: empty signal mask, default dispositions, only fds 0–2 inherited, and its own
/// process group or session, so that a signal to `-pid` reaches everything it started. The daemon reaps only the
/// children it spawned (`waitpid(pid)`), never `waitpid(-1)` (SWIFT-NOTES.md §4.4).
public struct ChildProcess: Sendable {
    public let pid: Int32

    /// Whether the child gets a new session (setsid) or only a new process group.
    public enum Grouping: Sendable {
        case newSession
        case newProcessGroup
    }

    /// Starts `executable` (an absolute path) with `arguments` (argv[1...]) and exactly `environment`.
    public static func spawn(
        _ executable: String, arguments: [String], environment: [String: String],
        stdin: Int32, stdout: Int32, stderr: Int32, grouping: Grouping = .newProcessGroup
    ) throws(PosixError) -> ChildProcess {
        let argv = [executable] + arguments
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let flags = grouping == .newSession ? DOKUEN_SPAWN_NEW_SESSION : DOKUEN_SPAWN_NEW_PROCESS_GROUP
        let result = withCStrings(argv) { argvPointer in
            withCStrings(envp) { envPointer in
                dokuen_spawn(executable, argvPointer, envPointer, stdin, stdout, stderr, flags, &pid)
            }
        }
        if result != 0 { throw PosixError("start", path: executable, errno: result) }
        return ChildProcess(pid: pid)
    }

    /// Waits for the child to exit and reaps it. Returns nil if it is still running after `milliseconds`
    /// (-1: wait forever). Waits on a pidfd, so nothing polls.
    public func wait(milliseconds: Int32 = -1) throws(PosixError) -> ExitStatus? {
        let pidfd = dokuen_pidfd_open(pid)
        if pidfd >= 0 {
            defer { Posix.close(pidfd) }
            guard try Posix.waitReadable(pidfd, milliseconds: milliseconds) else { return nil }
            return try Posix.waitpid(pid)
        }
        // No pidfd (not Linux): block, or check once.
        return try Posix.waitpid(pid, options: milliseconds < 0 ? 0 : WNOHANG)
    }

    /// Sends `signal` to the child's whole process group. False when the group is gone.
    @discardableResult
    public func signalGroup(_ signal: Int32) throws(PosixError) -> Bool {
        try Posix.kill(-pid, signal)
    }
}

extension Posix {
    /// Waits up to `milliseconds` for any process (not only a child) to exit, through a pidfd: true once it is
    /// gone (a zombie counts as gone). dokuend watches shims it did not start this way (SWIFT-NOTES.md §4.8).
    public static func waitForExit(pid: Int32, milliseconds: Int32) throws(PosixError) -> Bool {
        let pidfd = dokuen_pidfd_open(pid)
        if pidfd < 0 {
            if errno == ESRCH { return true }
            throw PosixError("watch", path: "process \(pid)", errno: errno)
        }
        defer { close(pidfd) }
        return try waitReadable(pidfd, milliseconds: milliseconds)
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
