import CDokuenShim
import DokuenSupervisionEmbedded

/// The shim's I/O shell around `ShimMachine`: one `poll` is the only wait point (the signalfd, the log pipe, the
/// control FIFO, the readiness fd or socket, and the machine's one deadline). Nothing polls at steady state: with a
/// RUNNING child and no deadline, `poll` sleeps until something happens.
struct Supervisor {
    static let pipeSize: Int32 = 1 << 20
    /// The read buffer: large enough for throughput, small enough that a chatty child does not dirty much of
    /// the shim's memory (the pipe itself holds 1 MiB, in the kernel).
    static let readSize = 128 << 10

    let options: ShimOptions
    var machine: ShimMachine
    var log: LogWriter
    var signalFD: Int32 = -1
    var logRead: Int32 = -1
    var logWrite: Int32 = -1
    var controlRead: Int32 = -1
    var controlKeep: Int32 = -1
    var readyRead: Int32 = -1
    var notifyFD: Int32 = -1
    var devNull: Int32 = -1
    var lockFD: Int32 = -1
    var controlBuffer: [UInt8] = []
    var published: StatusRecord?
    var userIDs: (uid: uid_t, gid: gid_t, groups: [gid_t])?
    var bootID = ""
    /// Wall clock minus monotonic clock, read once: times in `status` then differ exactly as the machine's do.
    let wallOffset = dokuen_realtime_ms() - dokuen_monotonic_ms()
    /// With `start`: where to tell the waiting parent that setup succeeded (then closed).
    var setUpFD: Int32 = -1
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Supervisor.readSize, alignment: 16)

    init(options: ShimOptions) {
        self.options = options
        machine = ShimMachine(settings: options.machine)
        log = LogWriter(
            path: options.logPath, maxBytes: options.logMaxBytes, backups: options.logBackups,
            timestamps: options.logTimestamps)
    }

    var statusPath: String { options.directory + "/status" }

    mutating func run() -> Never {
        setUp()
        if setUpFD >= 0 {
            var byte: UInt8 = 0x6B
            _ = write(setUpFD, &byte, 1)
            close(setUpFD)
            setUpFD = -1
        }
        perform(machine.handle(.boot, at: dokuen_monotonic_ms()))
        var fds: [pollfd] = []
        while true {
            fds.removeAll(keepingCapacity: true)
            for fd in [signalFD, logRead, controlRead, readyRead, notifyFD] where fd >= 0 {
                fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
            }
            var timeout: Int32 = -1
            if let deadline = machine.deadline {
                timeout = Int32(clamping: max(0, deadline - dokuen_monotonic_ms()))
            }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && dokuen_errno() != EINTR { fail("unable to wait for events", dokuen_errno()) }
            for entry in fds where entry.revents != 0 {
                switch entry.fd {
                case signalFD: handleSignals()
                case logRead: drainLog()
                case controlRead: readControl()
                case readyRead: readReadyFD()
                case notifyFD: readNotifySocket()
                default: break
                }
            }
            if let deadline = machine.deadline, dokuen_monotonic_ms() >= deadline {
                perform(machine.handle(.deadline, at: dokuen_monotonic_ms()))
            }
        }
    }

    // MARK: - Setup

    mutating func setUp() {
        // Nothing the starter left open stays open for the shim's whole life (dokuend starts shims with fds 0-2 only,
        // but a shim started by hand may inherit anything). The `start` report pipe is kept.
        dokuen_close_inherited_except(setUpFD)
        let directory = options.directory
        if mkdir(directory, 0o755) != 0 && dokuen_errno() != EEXIST {
            fail("unable to create " + directory, dokuen_errno())
        }

        lockFD = dokuen_open(directory + "/lock", O_RDWR | O_CREAT, 0o644)
        if lockFD < 0 { fail("unable to open " + directory + "/lock", dokuen_errno()) }
        if flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            var holder = ""
            if let status = readFile(statusPath), let record = StatusRecord(decoding: status), record.shimPID > 0 {
                holder = " (pid " + String(record.shimPID) + ")"
            }
            System.writeError(
                "dokuen-shim: error: " + directory + " is already supervised by another shim" + holder + "\n")
            exit(1)
        }
        // lockFD stays open, and locked, for the shim's whole life.

        let control = directory + "/control"
        if mkfifo(control, 0o600) != 0 && dokuen_errno() != EEXIST {
            fail("unable to create " + control, dokuen_errno())
        }
        controlRead = dokuen_open(control, O_RDONLY | O_NONBLOCK, 0)
        if controlRead < 0 { fail("unable to open " + control, dokuen_errno()) }
        // Held open so that the FIFO never reads as end-of-file between writers (runsv and s6 do the same).
        controlKeep = dokuen_open(control, O_WRONLY | O_NONBLOCK, 0)

        signalFD = dokuen_signalfd_setup()
        if signalFD < 0 { fail("unable to set up signals", dokuen_errno()) }
        if dokuen_become_subreaper() != 0 { fail("unable to become a subreaper", dokuen_errno()) }

        var pipeFDs: [Int32] = [-1, -1]
        if dokuen_pipe(&pipeFDs) != 0 { fail("unable to create the log pipe", dokuen_errno()) }
        logRead = pipeFDs[0]
        logWrite = pipeFDs[1]
        // A larger pipe lets a chatty child run ahead of the disk. Only as root: an ordinary user's pipes share a
        // budget (/proc/sys/fs/pipe-user-pages-soft, 64 MiB), and 1 MiB per instance would exhaust it for every
        // pipe of that user. Best effort: the limit is /proc/sys/fs/pipe-max-size.
        if geteuid() == 0 { _ = dokuen_set_pipe_size(logRead, Self.pipeSize) }
        _ = dokuen_set_nonblocking(logRead)
        devNull = dokuen_open("/dev/null", O_RDONLY, 0)

        if let text = readFile("/proc/sys/kernel/random/boot_id") {
            bootID = String(text.utf8.prefix { $0 != 0x0A }.map { Character(Unicode.Scalar($0)) })
        }

        let failure = log.open()
        if failure != 0 { fail("unable to open the log " + options.logPath, failure) }

        if !options.user.isEmpty {
            if geteuid() != 0 { fail("--user " + options.user + " needs the shim to run as root", EPERM) }
            var uid: uid_t = 0
            var gid: gid_t = 0
            var groups = [gid_t](repeating: 0, count: 256)
            var count: Int32 = 256
            if dokuen_lookup_user(options.user, &uid, &gid, &groups, &count) != 0 {
                System.writeError("dokuen-shim: error: unknown user '" + options.user + "'\n")
                exit(1)
            }
            userIDs = (uid, gid, Array(groups[0..<Int(count)]))
        }

        if options.machine.readiness == .notifySocket {
            notifyFD = dokuen_bind_datagram(directory + "/notify")
            if notifyFD < 0 { fail("unable to bind " + directory + "/notify", dokuen_errno()) }
        }
    }

    // MARK: - Actions

    mutating func perform(_ actions: [ShimMachine.Action]) {
        for action in actions {
            switch action {
            case .spawn:
                let event = spawn()
                perform(machine.handle(event, at: dokuen_monotonic_ms()))
            case .signalProcess(let signal):
                if machine.pid > 0 { _ = kill(machine.pid, signal) }
            case .signalGroup(let signal):
                if machine.pid > 0 { _ = kill(-machine.pid, signal) }
                // Then every other descendant: a setsid'd or double-forked process leaves the group, but not the
                // shim's tree (it is a subreaper, so orphans come to it). Skipping the group's members means none
                // gets the signal twice. Without /proc the group alone is signalled, as before issue 12.
                _ = dokuen_signal_descendants(machine.pid, signal)
            case .probePort(let port):
                if dokuen_port_accepts(port, 50) != 0 { perform(machine.handle(.ready, at: dokuen_monotonic_ms())) }
            case .exit(let code):
                publish()
                drainLog(completely: true)
                log.flush()
                // Let go of the lock first, then say so once more: a listener that looks now sees the shim gone.
                close(lockFD)
                announce(published ?? StatusRecord())
                exit(code)
            }
        }
        publish()
    }

    mutating func spawn() -> ShimMachine.Event {
        var environment = System.environment()
        if options.machine.readiness == .notifySocket {
            environment = environment.filter { !$0.hasPrefix("NOTIFY_SOCKET=") }
            environment.append("NOTIFY_SOCKET=" + options.directory + "/notify")
        }
        var searchPath = "/usr/local/bin:/usr/bin:/bin"
        for entry in environment where entry.hasPrefix("PATH=") { searchPath = String(entry.dropFirst(5)) }
        let program = options.command[0]
        guard
            let path = ShimOptions.resolve(
                program, searchPath: searchPath, isExecutable: { access($0, X_OK) == 0 })
        else {
            return .spawnFailed("unable to find " + program + " in PATH " + searchPath)
        }

        var readyWrite: Int32 = -1
        var readyTarget: Int32 = -1
        if case .notificationFD(let target) = options.machine.readiness {
            if readyRead >= 0 { close(readyRead) }
            var fds: [Int32] = [-1, -1]
            if dokuen_pipe(&fds) == 0 {
                readyRead = fds[0]
                readyWrite = fds[1]
                readyTarget = target
                _ = dokuen_set_nonblocking(readyRead)
            }
        }

        let argv = System.cStrings([path] + options.command.dropFirst())
        let envp = System.cStrings(environment)
        defer {
            System.free(cStrings: argv, count: options.command.count)
            System.free(cStrings: envp, count: environment.count)
            if readyWrite >= 0 { close(readyWrite) }
        }
        var failedErrno: Int32 = 0
        var failedStep: UnsafePointer<CChar>?
        let groups = userIDs?.groups ?? []
        let limits = options.limits.map { limit in
            dokuen_resource_limit(resource: Self.limitCode(limit.resource), value: limit.value ?? -1)
        }
        let pid = path.withCString { pathPointer in
            options.workingDirectory.withCString { cwdPointer in
                groups.withUnsafeBufferPointer { groupPointer in
                    limits.withUnsafeBufferPointer { limitPointer in
                        var request = dokuen_spawn_request(
                            path: pathPointer, argv: argv, envp: envp,
                            cwd: options.workingDirectory.isEmpty ? nil : cwdPointer,
                            stdin_fd: devNull, output_fd: logWrite, ready_fd_source: readyWrite,
                            ready_fd_target: readyTarget, drop_privileges: userIDs == nil ? 0 : 1,
                            uid: userIDs?.uid ?? 0, gid: userIDs?.gid ?? 0, groups: groupPointer.baseAddress,
                            group_count: Int32(groups.count), nice: options.nice, limits: limitPointer.baseAddress,
                            limit_count: Int32(limits.count))
                        return dokuen_spawn_child(&request, &failedErrno, &failedStep)
                    }
                }
            }
        }
        if pid < 0 {
            let step = failedStep.map { String(cString: $0) } ?? "spawn"
            return .spawnFailed(step + " " + path + ": " + System.describe(failedErrno))
        }
        return .spawned(pid: pid)
    }

    /// The C side's code for a `--limit` resource.
    static func limitCode(_ resource: ShimOptions.ResourceLimit.Resource) -> Int32 {
        switch resource {
        case .nofile: DOKUEN_LIMIT_NOFILE
        case .nproc: DOKUEN_LIMIT_NPROC
        case .core: DOKUEN_LIMIT_CORE
        }
    }

    // MARK: - Events

    mutating func handleSignals() {
        while true {
            let signal = dokuen_signalfd_next(signalFD)
            if signal <= 0 { break }
            switch signal {
            case SIGCHLD: reap()
            case SIGTERM, SIGINT: perform(machine.handle(.terminate, at: dokuen_monotonic_ms()))
            default: break  // SIGHUP: the shim has no terminal and nothing to reload
            }
        }
    }

    /// Reaps every child (the shim is a subreaper, so orphaned grandchildren come here too), then tells the
    /// machine when its process group is empty and no other descendant is left: a setsid'd descendant that outlived
    /// the group keeps the teardown going (issue 12). The scan of /proc runs only once the main process is gone,
    /// never at steady state; without /proc the group alone counts.
    mutating func reap() {
        // Whatever the child wrote before it exited is in the pipe: log it before the exit is reported, so that
        // EXITED or STOPPED in `status` means the log is complete.
        drainLog(completely: true)
        var signaled: Int32 = 0
        var value: Int32 = 0
        while true {
            let pid = dokuen_reap_one(&signaled, &value)
            if pid <= 0 { break }
            if pid == machine.pid && machine.childAlive {
                log.flush()
                let exit: ProcessExit = signaled != 0 ? .signal(value) : .code(value)
                perform(machine.handle(.childExited(exit), at: dokuen_monotonic_ms()))
            }
        }
        if machine.pgid > 0 && !machine.childAlive && dokuen_group_alive(machine.pgid) == 0
            && dokuen_count_descendants() <= 0
        {
            perform(machine.handle(.groupGone, at: dokuen_monotonic_ms()))
        }
    }

    /// Copies what the pipe holds into the log. A chatty child gets at most `maxReads` reads per wakeup, so that
    /// signals and control commands are not starved; `completely` reads until the pipe is empty (at exit and before
    /// reaping, when all the child wrote is already in the pipe).
    mutating func drainLog(completely: Bool = false) {
        var reads = 0
        while completely || reads < 16 {
            let count = read(logRead, buffer.baseAddress!, buffer.count)
            if count <= 0 { break }
            log.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            reads += 1
        }
        if log.droppedBytes != (published?.droppedBytes ?? 0) { publish() }
    }

    mutating func readControl() {
        let count = read(controlRead, buffer.baseAddress!, 4096)
        if count <= 0 { return }
        controlBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        while let newline = controlBuffer.firstIndex(of: 0x0A) {
            let line = String(decoding: controlBuffer[0..<newline], as: UTF8.self)
            controlBuffer.removeFirst(newline + 1)
            if let command = ControlCommand(line: line) {
                perform(machine.handle(.control(command), at: dokuen_monotonic_ms()))
            } else {
                System.writeError("dokuen-shim: " + options.directory + ": ignoring unknown control command\n")
            }
        }
        if controlBuffer.count > 4096 { controlBuffer.removeAll() }
    }

    mutating func readReadyFD() {
        let count = read(readyRead, buffer.baseAddress!, 4096)
        if count <= 0 {
            close(readyRead)  // end of file: the child closed its end without a newline
            readyRead = -1
            return
        }
        if UnsafeRawBufferPointer(rebasing: buffer[0..<count]).contains(0x0A) {
            perform(machine.handle(.ready, at: dokuen_monotonic_ms()))
        }
    }

    mutating func readNotifySocket() {
        while true {
            let count = dokuen_receive(notifyFD, buffer.baseAddress!, 4096)
            if count <= 0 { return }
            let message = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<count]), as: UTF8.self)
            for line in message.split(separator: "\n") where line == "READY=1" {
                perform(machine.handle(.ready, at: dokuen_monotonic_ms()))
            }
        }
    }

    // MARK: - Status

    /// Rewrites `status` and tells dokuend, when anything it shows has changed.
    mutating func publish() {
        var record = StatusRecord()
        record.state = machine.state
        record.wantUp = machine.wantUp
        record.shimPID = getpid()
        record.pid = machine.childAlive ? machine.pid : 0
        record.pgid = machine.pgid
        record.sinceMilliseconds = machine.since + wallOffset
        record.restarts = machine.restarts
        record.lastExit = machine.lastExit
        record.ready = machine.ready
        record.droppedBytes = log.droppedBytes
        if machine.state == .backoff || machine.state == .fatal, let deadline = machine.deadline {
            record.nextTryMilliseconds = deadline + wallOffset
        }
        record.error = machine.lastError
        record.command = options.command.joined(separator: " ")
        record.bootID = bootID
        if record == published { return }
        published = record
        System.writeFileAtomically(statusPath, record.encoded())
        announce(record)
    }

    /// Sends `record` to the events socket, if there is one; never blocks, ignores failure.
    func announce(_ record: StatusRecord) {
        if !options.eventsSocket.isEmpty {
            // The whole record plus a `dir` line (readers ignore keys they do not know), so that a listener sees
            // every transition even when the file has moved on.
            var message = record.encoded() + "dir=" + StatusRecord.escape(options.directory) + "\n"
            message.withUTF8 { bytes in
                options.eventsSocket.withCString { dokuen_send_datagram($0, bytes.baseAddress, bytes.count) }
            }
        }
    }

    // MARK: - Helpers

    func fail(_ what: String, _ code: Int32) -> Never {
        System.writeError("dokuen-shim: error: " + what + ": " + System.describe(code) + "\n")
        exit(1)
    }

    func readFile(_ path: String) -> String? {
        let fd = dokuen_open(path, O_RDONLY, 0)
        if fd < 0 { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
