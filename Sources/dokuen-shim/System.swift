import CDokuenShim
import CDokuenSpawn
import DokuenSupervisionEmbedded

/// The shim's syscall layer: every libc call the shim makes goes through here, in Embedded Swift terms (no Glibc
/// module, no Foundation; the C targets' headers stand in for Glibc). The rest of the shim imports neither C target:
/// it gets typed values (`Errno`, `OpenFlags`, `SpawnFailure`) and retries of EINTR from here.
enum System {
    /// An errno value, thrown by the calls that can fail.
    struct Errno: Error, Equatable {
        let code: Int32

        static let interrupted = Errno(code: EINTR)
        static let exists = Errno(code: EEXIST)
        static let wouldBlock = Errno(code: EAGAIN)
        static let notPermitted = Errno(code: EPERM)
        /// ENXIO: opening a FIFO for writing that nobody reads.
        static let noReader = Errno(code: ENXIO)
        /// ENOSPC and EDQUOT: the log's disk is full, or its owner's quota.
        static let noSpace = Errno(code: ENOSPC)
        static let quotaExceeded = Errno(code: EDQUOT)

        /// The calling thread's errno, as the last call left it.
        static var current: Errno { Errno(code: dokuen_errno()) }

        /// The errno text, e.g. "No such file or directory".
        var description: String { String(cString: strerror(code)) }
    }

    /// open(2) flags; every open also gets O_CLOEXEC.
    struct OpenFlags: OptionSet {
        let rawValue: Int32

        static let readOnly = OpenFlags(rawValue: O_RDONLY)
        static let writeOnly = OpenFlags(rawValue: O_WRONLY)
        static let readWrite = OpenFlags(rawValue: O_RDWR)
        static let create = OpenFlags(rawValue: O_CREAT)
        static let truncate = OpenFlags(rawValue: O_TRUNC)
        static let append = OpenFlags(rawValue: O_APPEND)
        static let nonBlocking = OpenFlags(rawValue: O_NONBLOCK)
    }

    /// The signals the shim handles, as signalfd delivers them.
    static let childSignal = SIGCHLD
    static let terminateSignal = SIGTERM
    static let interruptSignal = SIGINT

    // MARK: - Process

    /// argv[1...] as the process received it (Embedded Swift has no CommandLine).
    static func arguments() -> [String] {
        var arguments: [String] = []
        guard let argv = dokuen_argv() else { return arguments }
        var index = 1
        while index < Int(dokuen_argc()), let argument = argv[index] {
            arguments.append(String(cString: argument))
            index += 1
        }
        return arguments
    }

    /// The process environment as `KEY=value` strings.
    static func environment() -> [String] {
        var result: [String] = []
        guard let environ = dokuen_environ() else { return result }
        var index = 0
        while let entry = environ[index] {
            result.append(String(cString: entry))
            index += 1
        }
        return result
    }

    static func exit(_ code: Int32) -> Never { CDokuenShim.exit(code) }
    static func processID() -> Int32 { getpid() }
    static func isRoot() -> Bool { geteuid() == 0 }
    static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// fork(2), for `start`'s detach (never for spawning a program: that is `spawn`). 0 in the child.
    static func fork() throws(Errno) -> Int32 {
        let pid = CDokuenShim.fork()
        if pid < 0 { throw Errno.current }
        return pid
    }

    /// setsid(2): the calling process gets a session of its own; failure (already a leader) changes nothing.
    static func newSession() { _ = setsid() }

    /// Makes the shim the child subreaper of its tree: orphaned descendants come to it (prctl(2)).
    static func becomeSubreaper() throws(Errno) {
        if dokuen_become_subreaper() != 0 { throw Errno.current }
    }

    /// Closes every fd from 3 up but `keep` (-1: none): the shim keeps nothing its starter left open.
    static func closeInherited(except keep: Int32) {
        var keep = keep
        dokuen_close_all_except(&keep, keep >= 0 ? 1 : 0)
    }

    // MARK: - Files

    /// open(2) with O_CLOEXEC. The caller owns the returned fd.
    static func open(_ path: String, _ flags: OpenFlags, mode: UInt32 = 0) throws(Errno) -> Int32 {
        let fd = dokuen_open(path, flags.rawValue, mode_t(mode))
        if fd < 0 { throw Errno.current }
        return fd
    }

    static func close(_ fd: Int32) { _ = CDokuenShim.close(fd) }

    /// One read(2) into `buffer`: the count, 0 at end of file or when nothing is there (non-blocking), -1 on error.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let count = CDokuenShim.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 || dokuen_errno() != EINTR { return count }
        }
    }

    /// Writes all of `bytes` to `fd`, retrying EINTR. Returns how many were written, and the errno that stopped it
    /// short (nil when all were written).
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> (written: Int, failure: Errno?) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                let failure = Errno.current
                if failure == .interrupted { continue }
                return (offset, failure)
            }
            offset += written
        }
        return (offset, nil)
    }

    /// Writes `text` to `fd` (see `writeAll`).
    @discardableResult
    static func writeAll(_ fd: Int32, _ text: String) -> (written: Int, failure: Errno?) {
        var text = text
        return text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    static func writeError(_ text: String) { writeAll(2, text) }

    /// The whole file as text, nil when it cannot be opened.
    static func readFile(_ path: String) -> String? {
        guard let fd = try? open(path, .readOnly) else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, into: $0) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text` to `path` atomically: a temp file beside it, then rename(2). No fsync: a status file is
    /// rewritten on every change and means nothing after a reboot (s6 does not sync its status file either).
    static func writeFileAtomically(_ path: String, _ text: String) {
        let temporary = path + ".new"
        guard let fd = try? open(temporary, [.writeOnly, .create, .truncate], mode: 0o644) else { return }
        let failure = writeAll(fd, text).failure
        close(fd)
        if failure == nil { _ = rename(temporary, to: path) }
    }

    /// The size of the open file `fd`, 0 when fstat fails.
    static func fileSize(_ fd: Int32) -> Int64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// ftruncate(fd, 0).
    static func truncate(_ fd: Int32) { _ = ftruncate(fd, 0) }

    /// rename(2); false when it failed.
    @discardableResult
    static func rename(_ path: String, to newPath: String) -> Bool { CDokuenShim.rename(path, newPath) == 0 }

    /// mkdir(2); an existing directory is not an error.
    static func makeDirectory(_ path: String, mode: UInt32) throws(Errno) {
        if mkdir(path, mode_t(mode)) != 0 && dokuen_errno() != EEXIST { throw Errno.current }
    }

    /// mkfifo(3); an existing FIFO is not an error.
    static func makeFIFO(_ path: String, mode: UInt32) throws(Errno) {
        if mkfifo(path, mode_t(mode)) != 0 && dokuen_errno() != EEXIST { throw Errno.current }
    }

    /// flock(LOCK_EX | LOCK_NB): false when another process holds the lock.
    static func lockExclusively(_ fd: Int32) -> Bool { flock(fd, LOCK_EX | LOCK_NB) == 0 }

    // MARK: - Pipes, sockets, signals

    /// pipe2(O_CLOEXEC): (read end, write end), owned by the caller.
    static func pipe() throws(Errno) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        if dokuen_pipe(&fds) != 0 { throw Errno.current }
        return (fds[0], fds[1])
    }

    /// Enlarges a pipe's buffer (F_SETPIPE_SZ), best effort.
    static func setPipeSize(_ fd: Int32, bytes: Int32) { _ = dokuen_set_pipe_size(fd, bytes) }

    static func setNonBlocking(_ fd: Int32) { _ = dokuen_set_nonblocking(fd) }

    /// Blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP, ignores SIGPIPE, and returns a signalfd for the blocked four.
    static func signalFD() throws(Errno) -> Int32 {
        let fd = dokuen_signalfd_setup()
        if fd < 0 { throw Errno.current }
        return fd
    }

    /// The next signal from the signalfd; nil when none is pending (or on error).
    static func nextSignal(_ fd: Int32) -> Int32? {
        let signal = dokuen_signalfd_next(fd)
        return signal > 0 ? signal : nil
    }

    /// A bound, non-blocking AF_UNIX datagram socket at `path` (an old file there is replaced).
    static func bindDatagram(_ path: String) throws(Errno) -> Int32 {
        let fd = dokuen_bind_datagram(path)
        if fd < 0 { throw Errno.current }
        return fd
    }

    /// One non-blocking recv(2): the count, or 0 when nothing is there.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        max(0, dokuen_receive(fd, buffer.baseAddress, buffer.count))
    }

    /// One best-effort, non-blocking datagram to the socket at `path`; errors are ignored.
    static func sendDatagram(_ path: String, _ message: String) {
        var message = message
        message.withUTF8 { bytes in path.withCString { dokuen_send_datagram($0, bytes.baseAddress, bytes.count) } }
    }

    /// Whether 127.0.0.1:`port` accepts a TCP connection within `milliseconds`.
    static func portAccepts(_ port: Int32, milliseconds: Int32) -> Bool {
        dokuen_port_accepts(port, milliseconds) != 0
    }

    /// Waits until one of `fds` is readable (or hung up), or `milliseconds` pass (-1: forever). Fills `ready` with
    /// the fds that are. EINTR counts as a wakeup with nothing ready.
    static func poll(_ fds: [Int32], milliseconds: Int32, ready: inout [Int32]) throws(Errno) {
        ready.removeAll(keepingCapacity: true)
        var entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let count = CDokuenShim.poll(&entries, nfds_t(entries.count), milliseconds)
        if count < 0 {
            if dokuen_errno() == EINTR { return }
            throw Errno.current
        }
        for entry in entries where entry.revents != 0 { ready.append(entry.fd) }
    }

    // MARK: - Processes

    /// kill(2); failure (the process is gone) is ignored.
    static func kill(_ pid: Int32, _ signal: Int32) { _ = CDokuenShim.kill(pid, signal) }

    /// Signals every live descendant outside process group `skipGroup` (issue 12); -1 when /proc cannot be read.
    @discardableResult
    static func signalDescendants(skipGroup: Int32, _ signal: Int32) -> Int32 {
        dokuen_signal_descendants(skipGroup, signal)
    }

    /// How many live descendants the shim has, -1 when /proc cannot be read.
    static func countDescendants() -> Int32 { dokuen_count_descendants() }

    /// Whether any process of group `pgid` is alive.
    static func groupAlive(_ pgid: Int32) -> Bool { dokuen_group_alive(pgid) != 0 }

    /// Reaps one child without blocking: its pid and how it ended, nil when none has exited.
    static func reapAny() -> (pid: Int32, exit: ProcessExit)? {
        var signaled: Int32 = 0
        var value: Int32 = 0
        let pid = dokuen_reap_one(&signaled, &value)
        if pid <= 0 { return nil }
        return (pid, signaled != 0 ? .signal(value) : .code(value))
    }

    /// The user an app runs as: uid, gid and supplementary groups.
    struct User {
        let uid: UInt32
        let gid: UInt32
        let groups: [UInt32]
    }

    /// Looks `name` up in the user database; nil when there is no such user. `:UID:GID[:GID…]` (runit's chpst form)
    /// names the ids themselves, the GIDs being the groups: no lookup, so the NSS modules that getpwnam(3) loads
    /// (tens of KiB of private pages for the shim's whole life) are never loaded. dokuend passes that form.
    static func lookUpUser(_ name: String) -> User? {
        if name.utf8.first == UInt8(ascii: ":") {
            var ids: [UInt32] = []
            var current: UInt32 = 0
            var digits = 0
            for byte in name.utf8.dropFirst() {
                if byte == UInt8(ascii: ":") {
                    guard digits > 0 else { return nil }
                    ids.append(current)
                    current = 0
                    digits = 0
                } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") && digits < 9 {
                    current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                    digits += 1
                } else {
                    return nil
                }
            }
            guard digits > 0 else { return nil }
            ids.append(current)
            guard ids.count >= 2 else { return nil }
            return User(uid: ids[0], gid: ids[1], groups: Array(ids.dropFirst()))
        }
        var uid: uid_t = 0
        var gid: gid_t = 0
        var groups = [gid_t](repeating: 0, count: 256)
        var count: Int32 = 256
        if dokuen_lookup_user(name, &uid, &gid, &groups, &count) != 0 { return nil }
        return User(uid: uid, gid: gid, groups: Array(groups[0..<Int(count)]))
    }

    /// What the spawner reports when a child did not start: the step ("execve", "setrlimit", …) and its errno.
    struct SpawnFailure: Error {
        let step: String
        let errno: Errno
    }

    /// Starts the app's process with the one spawner dokuend shares (CDokuenSpawn): a new session, stdin from
    /// /dev/null, stdout and stderr on `output`, `readyFD.source` as `readyFD.target` when given, no other fd, `nice`,
    /// `limits`, `user` (groups, gid, uid), `cwd` (when not empty), and SIGKILL when the shim dies.
    static func spawn(
        path: String, arguments: [String], environment: [String], cwd: String, output: Int32,
        readyFD: (source: Int32, target: Int32)?, nice: Int32, limits: [ShimOptions.ResourceLimit], user: User?
    ) throws(SpawnFailure) -> Int32 {
        let devNull: StaticString = "/dev/null"
        var actions = [
            dokuen_fd_action(
                kind: Int32(DOKUEN_FD_OPEN.rawValue), target: 0, source: -1,
                path: UnsafeRawPointer(devNull.utf8Start).assumingMemoryBound(to: CChar.self), flags: O_RDONLY,
                mode: 0),
            dokuen_fd_action(
                kind: Int32(DOKUEN_FD_DUP2.rawValue), target: 1, source: output, path: nil, flags: 0, mode: 0),
            dokuen_fd_action(
                kind: Int32(DOKUEN_FD_DUP2.rawValue), target: 2, source: output, path: nil, flags: 0, mode: 0),
        ]
        if let readyFD {
            actions.append(
                dokuen_fd_action(
                    kind: Int32(DOKUEN_FD_DUP2.rawValue), target: readyFD.target, source: readyFD.source, path: nil,
                    flags: 0, mode: 0))
        }
        let cLimits = limits.map { limit in
            dokuen_resource_limit(resource: limitCode(limit.resource), value: limit.value ?? -1)
        }
        let groups: [gid_t] = user?.groups ?? []
        let argv = cStrings([path] + arguments)
        let envp = cStrings(environment)
        defer {
            free(cStrings: argv, count: arguments.count + 1)
            free(cStrings: envp, count: environment.count)
        }
        var pid: pid_t = 0
        var failure = dokuen_spawn_failure(error: 0, step: nil)
        let result = path.withCString { pathPointer in
            cwd.withCString { cwdPointer in
                groups.withUnsafeBufferPointer { groupPointer in
                    cLimits.withUnsafeBufferPointer { limitPointer in
                        actions.withUnsafeBufferPointer { actionPointer in
                            var credentials = dokuen_credentials(
                                uid: user?.uid ?? 0, gid: user?.gid ?? 0, groups: groupPointer.baseAddress,
                                group_count: Int32(groups.count))
                            return withUnsafePointer(to: &credentials) { credentialsPointer in
                                var request = dokuen_spawn_request(
                                    path: pathPointer, argv: argv, envp: envp, cwd: cwd.isEmpty ? nil : cwdPointer,
                                    fd_actions: actionPointer.baseAddress, fd_action_count: Int32(actions.count),
                                    flags: DOKUEN_SPAWN_NEW_SESSION | DOKUEN_SPAWN_DIE_WITH_PARENT, nice: nice,
                                    limits: limitPointer.baseAddress, limit_count: Int32(cLimits.count),
                                    credentials: user == nil ? nil : credentialsPointer)
                                return dokuen_spawn(&request, &pid, &failure)
                            }
                        }
                    }
                }
            }
        }
        if result != 0 {
            let step = failure.step.map { String(cString: $0) } ?? "spawn"
            throw SpawnFailure(step: step, errno: Errno(code: result))
        }
        return pid
    }

    /// The C side's code for a `--limit` resource.
    private static func limitCode(_ resource: ShimOptions.ResourceLimit.Resource) -> Int32 {
        switch resource {
        case .nofile: DOKUEN_LIMIT_NOFILE
        case .nproc: DOKUEN_LIMIT_NPROC
        case .core: DOKUEN_LIMIT_CORE
        }
    }

    /// A NULL-terminated array of C strings, for execve; the caller frees it with `free(cStrings:)`.
    private static func cStrings(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { array[index] = string.withCString { strdup($0) } }
        array[strings.count] = nil
        return array
    }

    private static func free(cStrings array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, count: Int) {
        for index in 0..<count { CDokuenShim.free(array[index]) }
        array.deallocate()
    }

    // MARK: - Time

    /// Clocks in milliseconds.
    static func monotonicMilliseconds() -> Int64 { dokuen_monotonic_ms() }
    static func realtimeMilliseconds() -> Int64 { dokuen_realtime_ms() }

    /// `2026-11-22T05:36:13.123Z ` (25 bytes, with the trailing space) for a UTC time in milliseconds.
    static func timestamp(_ realtimeMilliseconds: Int64) -> [UInt8] {
        var stamp = [CChar](repeating: 0, count: 32)
        dokuen_format_timestamp(realtimeMilliseconds, &stamp)
        return stamp[0..<25].map { UInt8(bitPattern: $0) }
    }
}
