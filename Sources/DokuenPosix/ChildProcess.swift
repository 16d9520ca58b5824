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

extension ChildProcess {
    /// The user a child runs as: uid, primary gid and supplementary groups, as `initgroups(3)` would set them.
    public struct Credentials: Equatable, Sendable {
        public let uid: UInt32
        public let gid: UInt32
        public let groups: [UInt32]

        public init(uid: UInt32, gid: UInt32, groups: [UInt32]) {
            self.uid = uid
            self.gid = gid
            self.groups = groups
        }

        /// The credentials of the user called `name` in the user database, nil when there is no such user. Looked up
        /// in the parent: the child of `spawnExclusive` may not call anything that reads files or allocates.
        public static func lookup(user name: String) -> Credentials? {
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: 16_384)
            guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
            let uid = entry.pw_uid
            let gid = entry.pw_gid
            var count: Int32 = 64
            var groups = [gid_t](repeating: 0, count: Int(count))
            while getgrouplist(name, gid, &groups, &count) < 0 {
                groups = [gid_t](repeating: 0, count: Int(count) + 64)
                count = Int32(groups.count)
            }
            return Credentials(uid: uid, gid: gid, groups: Array(groups.prefix(Int(count))))
        }
    }

    /// Starts a program whose exit status only the caller can collect (Linux), even while another thread reaps
    /// with `waitpid(-1)` or SIGCHLD is ignored (SWIFT-NOTES.md §1.5, §4.4). The caller's direct child is a small
    /// keeper (a copy of this process that never execs, started with no exit signal, so `waitpid(-1)` does not see
    /// it); the keeper starts the program, waits for it, kills what is left of its process group, and reports its
    /// status on a pipe. Like `spawn`, the program starts with an empty signal mask and default dispositions, in a
    /// new session or group; it also changes to `workingDirectory` and switches to `credentials` (groups, gid, uid)
    /// before exec. The caller owns `report` (polls readable when the program has exited) and `keeper` (a pidfd),
    /// must call `exclusiveStatus(report:keeper:)`, and then close both.
    public static func spawnExclusive(
        _ executable: String, arguments: [String], environment: [String: String], workingDirectory: String? = nil,
        credentials: Credentials? = nil, stdin: Int32, stdout: Int32, stderr: Int32,
        grouping: Grouping = .newSession
    ) throws(PosixError) -> (child: ChildProcess, report: Int32, keeper: Int32) {
        let argv = [executable] + arguments
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        var keeper: Int32 = -1
        var report: Int32 = -1
        let flags = grouping == .newSession ? DOKUEN_SPAWN_NEW_SESSION : DOKUEN_SPAWN_NEW_PROCESS_GROUP
        let groups: [gid_t] = credentials?.groups ?? []
        // ETXTBSY is passing: a process that forked while this file was open for writing (another thread
        // writing it, then renaming it into place) holds the write copy until it execs. Try again a few times,
        // as Go's cmd/go does, before calling it a failure.
        var result: Int32 = ETXTBSY
        for attempt in 0..<5 where result == ETXTBSY {
            if attempt > 0 { usleep(useconds_t(attempt * 20_000)) }
            result = start()
        }
        if result != 0 { throw PosixError("start", path: executable, errno: result) }
        return (ChildProcess(pid: pid), report, keeper)

        func start() -> Int32 {
            withCStrings(argv) { argvPointer in
                withCStrings(envp) { envPointer in
                    groups.withUnsafeBufferPointer { groupPointer in
                        var drop = dokuen_credentials(
                            uid: credentials?.uid ?? 0, gid: credentials?.gid ?? 0, groups: groupPointer.baseAddress,
                            group_count: Int32(groups.count))
                        return withUnsafePointer(to: &drop) { dropPointer in
                            dokuen_spawn_exclusive(
                                executable, argvPointer, envPointer, workingDirectory, stdin, stdout, stderr, flags,
                                credentials == nil ? nil : dropPointer, &pid, &keeper, &report)
                        }
                    }
                }
            }
        }
    }

    /// The exit status of a program started by `spawnExclusive`, blocking until it has exited (poll `report`
    /// first); the keeper is reaped too. The fds stay open.
    public static func exclusiveStatus(report: Int32, keeper: Int32) throws(PosixError) -> ExitStatus {
        var status: Int32 = 0
        try Posix.call("wait for", path: "a program's keeper") { dokuen_exclusive_status(report, keeper, &status) }
        return ExitStatus(waitStatus: status)
    }
}

extension Posix {
    /// One read(2) into `buffer` (up to its size): the count read, 0 at end of file.
    public static func read(_ fd: Int32, into buffer: inout [UInt8], path: String? = nil) throws(PosixError) -> Int {
        try call("read", path: path) { buffer.withUnsafeMutableBytes { sys_read(fd, $0.baseAddress!, $0.count) } }
    }

    /// Waits until one of `fds` is readable (or hung up) or `milliseconds` pass (-1: forever). Returns, for each fd,
    /// whether it is ready; all false on timeout.
    public static func poll(_ fds: [Int32], milliseconds: Int32) throws(PosixError) -> [Bool] {
        var entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ready = try call("poll") {
            entries.withUnsafeMutableBufferPointer { sys_poll($0.baseAddress!, $0.count, milliseconds) }
        }
        if ready == 0 { return fds.map { _ in false } }
        return entries.map { $0.revents != 0 }
    }

    /// Whether `path` is a regular file (after symlinks) that this process may execute.
    public static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return sys_stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

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
