#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a process knows of itself: its environment, ids, terminal and clock, and the calls that end or replace it,
/// so that executables need no libc of their own (docs/ARCHITECTURE.md).
extension Posix {
    /// getenv(3): the variable's value, nil when it is unset.
    public static func getenv(_ name: String) -> String? { sys_getenv(name).map { String(cString: $0) } }

    /// setenv(3), replacing any value.
    public static func setenv(_ name: String, _ value: String) throws(PosixError) {
        try call("set variable", path: name) { sys_setenv(name, value, 1) }
    }

    public static func getegid() -> UInt32 { sys_getegid() }

    /// isatty(3): whether `fd` is a terminal.
    public static func isTerminal(_ fd: Int32) -> Bool { sys_isatty(fd) == 1 }

    /// exit(3): flushes stdio and ends the process with `code`.
    public static func exit(_ code: Int32) -> Never { sys_exit(code) }

    /// Writes all of `bytes` to a standard stream (stdout, stderr), which may be closed, full or a broken pipe: false
    /// when not everything was written. Unlike `writeAll`, a closed fd is no programming error here.
    @discardableResult
    public static func writeToStream(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { sys_write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// Writes `text` to standard error, best effort: a message about to be lost has nowhere else to go.
    public static func writeToStandardError(_ text: String) { writeToStream(2, Array(text.utf8)) }

    /// fflush(3) of every stdio stream: what `print` buffered goes out before a write(2) or an exit that skips it.
    public static func flushOutput() { _ = fflush(nil) }

    /// The time of day (CLOCK_REALTIME) in whole seconds since the epoch, as time(2) gives it.
    public static func realtimeSeconds() -> Int64 { realtimeMicroseconds() / 1_000_000 }

    /// The time of day (CLOCK_REALTIME) in microseconds since the epoch.
    public static func realtimeMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }

    /// chdir(2).
    public static func chdir(_ path: String) throws(PosixError) {
        try call("enter", path: path) { sys_chdir(path) }
    }

    /// Becomes `uid` with `gid` as its only group (setgroups, setgid, setuid, in that order, as a drop from root
    /// must go): the supplementary groups the user database adds are not taken.
    public static func becomeUser(uid: UInt32, gid: UInt32) throws(PosixError) {
        try becomeUser(uid: uid, gid: gid, groups: [gid])
    }

    /// Becomes `uid` with `gid` and exactly `groups` (a platform user, such as the git user, keeps the group that
    /// reaches dokuend's socket; an app's user never gets more than its own group: the overload above).
    public static func becomeUser(uid: UInt32, gid: UInt32, groups: [UInt32]) throws(PosixError) {
        let list = groups.isEmpty ? [gid] : groups
        try call("set groups of", path: "uid \(uid)") {
            list.withUnsafeBufferPointer { sys_setgroups($0.count, $0.baseAddress!) }
        }
        try call("set gid of", path: "uid \(uid)") { sys_setgid(gid) }
        try call("set uid", path: "to \(uid)") { sys_setuid(uid) }
    }

    /// execve(2): replaces this process with `program`, given `arguments` as its whole argv (argv[0] included) and
    /// exactly `environment` (`KEY=value` entries, in this order). Returns only by throwing.
    public static func execute(_ program: String, arguments: [String], environment: [String]) throws(PosixError)
        -> Never
    {
        var argv = arguments.map { strdup($0) } + [nil]
        var envp = environment.map { strdup($0) } + [nil]
        _ = sys_execve(program, &argv, &envp)
        let code = errno
        for pointer in argv + envp { free(pointer) }
        throw PosixError("run", path: program, errno: code)
    }
}
