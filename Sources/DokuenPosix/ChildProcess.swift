import CDokuenSpawn

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child started by Dokuen's one spawner (CDokuenSpawn, shared with the shim): default dispositions for every
/// signal and an empty mask, only fds 0–2 inherited, niceness 0 whatever the calling thread's, and its own process
/// group or session, so that a signal to `-pid` reaches everything it started. The daemon reaps only the children it
/// spawned (`waitpid(pid)`), never `waitpid(-1)` (docs/STACK-NOTES.md §4.4).
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
        var pid: pid_t = 0
        let start = SpawnRequest(
            executable, arguments: arguments, environment: environment, workingDirectory: nil, credentials: nil,
            fds: [stdin, stdout, stderr], grouping: grouping)
        try start.run { request, failure in dokuen_spawn(request, &pid, failure) }
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
        return try waitByChecking(milliseconds: milliseconds)
    }

    /// `wait` without a pidfd (not Linux, or a sandbox without pidfd_open such as valgrind 3.19): blocks, or checks
    /// until the deadline, 1 ms apart at first and at most 50 ms apart. Checking only once would report a child
    /// that needs a moment as still running after the whole timeout.
    public func waitByChecking(milliseconds: Int32) throws(PosixError) -> ExitStatus? {
        if milliseconds < 0 { return try Posix.waitpid(pid) }
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(milliseconds))
        var pause: Int64 = 1
        while true {
            if let status = try Posix.waitpid(pid, options: WNOHANG) { return status }
            let left = deadline - ContinuousClock.now
            if left <= .zero { return nil }
            let leftMilliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            usleep(useconds_t(min(pause, max(leftMilliseconds, 1)) * 1000))
            pause = min(pause * 2, 50)
        }
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
    /// with `waitpid(-1)` or SIGCHLD is ignored (docs/STACK-NOTES.md §1.5, §4.4). The caller's direct child is a
    /// small keeper (a copy of this process that never execs, started with no exit signal, so `waitpid(-1)` does not
    /// see it); the keeper starts the program, waits for it, kills what is left of its process group, and reports
    /// its status on a pipe. The program starts exactly as `spawn`'s children do, and also switches to
    /// `credentials` (groups, gid, uid) and then changes to `workingDirectory` before exec. The caller owns `report`
    /// (polls readable when the program has exited) and `keeper` (a pidfd), must call
    /// `exclusiveStatus(report:keeper:)`, and then close both.
    public static func spawnExclusive(
        _ executable: String, arguments: [String], environment: [String: String], workingDirectory: String? = nil,
        credentials: Credentials? = nil, stdin: Int32, stdout: Int32, stderr: Int32,
        grouping: Grouping = .newSession, dieWithParent: Bool = false
    ) throws(PosixError) -> (child: ChildProcess, report: Int32, keeper: Int32) {
        var pid: pid_t = 0
        var keeper: Int32 = -1
        var report: Int32 = -1
        let start = SpawnRequest(
            executable, arguments: arguments, environment: environment, workingDirectory: workingDirectory,
            credentials: credentials, fds: [stdin, stdout, stderr], grouping: grouping, dieWithParent: dieWithParent)
        // ETXTBSY is passing: a process that forked while this file was open for writing (another thread
        // writing it, then renaming it into place) holds the write copy until it execs. Try again a few times,
        // as Go's cmd/go does, before calling it a failure.
        var attempt = 0
        while true {
            do throws(PosixError) {
                try start.run { request, failure in
                    dokuen_spawn_exclusive(request, &pid, &keeper, &report, failure)
                }
                return (ChildProcess(pid: pid), report, keeper)
            } catch  where error.errno == ETXTBSY && attempt < 4 {
                attempt += 1
                usleep(useconds_t(attempt * 20_000))
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
    /// gone (a zombie counts as gone). dokuend watches shims it did not start this way (docs/STACK-NOTES.md §4.8).
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

/// What both spawns hand to the C spawner: argv and envp as C strings, fds 0–2 as dup2 actions, the grouping, and
/// the credentials. The niceness is 0, best effort: a caller whose thread runs above 0 and may not lower it keeps
/// its own.
private struct SpawnRequest {
    let executable: String
    let argv: [String]
    let envp: [String]
    let workingDirectory: String?
    let credentials: ChildProcess.Credentials?
    let fds: [Int32]
    let flags: Int32

    init(
        _ executable: String, arguments: [String], environment: [String: String], workingDirectory: String?,
        credentials: ChildProcess.Credentials?, fds: [Int32], grouping: ChildProcess.Grouping,
        dieWithParent: Bool = false
    ) {
        self.executable = executable
        argv = [executable] + arguments
        envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        self.workingDirectory = workingDirectory
        self.credentials = credentials
        self.fds = fds
        flags =
            (grouping == .newSession ? DOKUEN_SPAWN_NEW_SESSION : DOKUEN_SPAWN_NEW_PROCESS_GROUP)
            | DOKUEN_SPAWN_NICE_BEST_EFFORT | (dieWithParent ? DOKUEN_SPAWN_DIE_WITH_PARENT : 0)
    }

    /// Calls `spawn` with the C request; a failure names the executable.
    func run(
        _ spawn: (UnsafePointer<dokuen_spawn_request>, UnsafeMutablePointer<dokuen_spawn_failure>) -> Int32
    ) throws(PosixError) {
        let actions = fds.enumerated().map { target, source in
            dokuen_fd_action(
                kind: Int32(DOKUEN_FD_DUP2.rawValue), target: Int32(target), source: source, path: nil, flags: 0,
                mode: 0)
        }
        let groups: [gid_t] = credentials?.groups ?? []
        var failure = dokuen_spawn_failure(error: 0, step: nil)
        let result = withCStrings(argv) { argvPointer in
            withCStrings(envp) { envPointer in
                groups.withUnsafeBufferPointer { groupPointer in
                    actions.withUnsafeBufferPointer { actionPointer in
                        var user = dokuen_credentials(
                            uid: credentials?.uid ?? 0, gid: credentials?.gid ?? 0, groups: groupPointer.baseAddress,
                            group_count: Int32(groups.count))
                        return withUnsafePointer(to: &user) { userPointer in
                            withOptionalCString(workingDirectory) { cwd in
                                var request = dokuen_spawn_request(
                                    path: argvPointer[0], argv: argvPointer, envp: envPointer, cwd: cwd,
                                    fd_actions: actionPointer.baseAddress, fd_action_count: Int32(actions.count),
                                    flags: flags, nice: 0, limits: nil, limit_count: 0,
                                    credentials: credentials == nil ? nil : userPointer)
                                return spawn(&request, &failure)
                            }
                        }
                    }
                }
            }
        }
        // The step (failure.step) stays out of the error, as it did with posix_spawn: callers match on the errno.
        if result != 0 { throw PosixError("start", path: executable, errno: result) }
    }
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
