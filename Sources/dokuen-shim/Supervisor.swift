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
    var lockFD: Int32 = -1
    var controlLines = LineSplitter()
    var published: StatusRecord?
    var user: System.User?
    var bootID = ""
    /// Wall clock minus monotonic clock, read once: times in `status` then differ exactly as the machine's do.
    let wallOffset = System.realtimeMilliseconds() - System.monotonicMilliseconds()
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
            System.writeAll(setUpFD, "k")
            System.close(setUpFD)
            setUpFD = -1
        }
        perform(machine.handle(.boot, at: System.monotonicMilliseconds()))
        var fds: [Int32] = []
        var ready: [Int32] = []
        while true {
            fds.removeAll(keepingCapacity: true)
            for fd in [signalFD, logRead, controlRead, readyRead, notifyFD] where fd >= 0 { fds.append(fd) }
            var timeout: Int32 = -1
            if let deadline = machine.deadline {
                timeout = Int32(clamping: max(0, deadline - System.monotonicMilliseconds()))
            }
            do throws(System.Errno) {
                try System.poll(fds, milliseconds: timeout, ready: &ready)
            } catch {
                fail("unable to wait for events", error)
            }
            for fd in ready {
                switch fd {
                case signalFD: handleSignals()
                case logRead: drainLog()
                case controlRead: readControl()
                case readyRead: readReadyFD()
                case notifyFD: readNotifySocket()
                default: break
                }
            }
            if let deadline = machine.deadline, System.monotonicMilliseconds() >= deadline {
                perform(machine.handle(.deadline, at: System.monotonicMilliseconds()))
            }
        }
    }

    // MARK: - Setup

    mutating func setUp() {
        // Nothing the starter left open stays open for the shim's whole life (dokuend starts shims with fds 0-2 only,
        // but a shim started by hand may inherit anything). The `start` report pipe is kept.
        System.closeInherited(except: setUpFD)
        let directory = options.directory
        do throws(System.Errno) {
            try System.makeDirectory(directory, mode: 0o755)
        } catch {
            fail("unable to create " + directory, error)
        }

        do throws(System.Errno) {
            lockFD = try System.open(directory + "/lock", [.readWrite, .create], mode: 0o644)
        } catch {
            fail("unable to open " + directory + "/lock", error)
        }
        if !System.lockExclusively(lockFD) {
            var holder = ""
            if let status = System.readFile(statusPath), let record = StatusRecord(decoding: status), record.shimPID > 0
            {
                holder = " (pid " + String(record.shimPID) + ")"
            }
            System.writeError(
                "dokuen-shim: error: " + directory + " is already supervised by another shim" + holder + "\n")
            System.exit(1)
        }
        // lockFD stays open, and locked, for the shim's whole life.

        let control = directory + "/control"
        do throws(System.Errno) {
            try System.makeFIFO(control, mode: 0o600)
        } catch {
            fail("unable to create " + control, error)
        }
        do throws(System.Errno) {
            controlRead = try System.open(control, [.readOnly, .nonBlocking])
        } catch {
            fail("unable to open " + control, error)
        }
        // Held open so that the FIFO never reads as end-of-file between writers (runsv and s6 do the same).
        controlKeep = (try? System.open(control, [.writeOnly, .nonBlocking])) ?? -1

        do throws(System.Errno) {
            signalFD = try System.signalFD()
        } catch {
            fail("unable to set up signals", error)
        }
        do throws(System.Errno) {
            try System.becomeSubreaper()
        } catch {
            fail("unable to become a subreaper", error)
        }

        do throws(System.Errno) {
            (logRead, logWrite) = try System.pipe()
        } catch {
            fail("unable to create the log pipe", error)
        }
        // A larger pipe lets a chatty child run ahead of the disk. Only as root: an ordinary user's pipes share a
        // budget (/proc/sys/fs/pipe-user-pages-soft, 64 MiB), and 1 MiB per instance would exhaust it for every
        // pipe of that user. Best effort: the limit is /proc/sys/fs/pipe-max-size.
        if System.isRoot() { System.setPipeSize(logRead, bytes: Self.pipeSize) }
        System.setNonBlocking(logRead)

        if let text = System.readFile("/proc/sys/kernel/random/boot_id") {
            bootID = String(text.utf8.prefix { $0 != 0x0A }.map { Character(Unicode.Scalar($0)) })
        }

        do throws(System.Errno) {
            try log.open()
        } catch {
            fail("unable to open the log " + options.logPath, error)
        }

        if !options.user.isEmpty {
            if !System.isRoot() { fail("--user " + options.user + " needs the shim to run as root", .notPermitted) }
            guard let found = System.lookUpUser(options.user) else {
                System.writeError("dokuen-shim: error: unknown user '" + options.user + "'\n")
                System.exit(1)
            }
            user = found
        }

        if options.machine.readiness == .notifySocket {
            do throws(System.Errno) {
                notifyFD = try System.bindDatagram(directory + "/notify")
            } catch {
                fail("unable to bind " + directory + "/notify", error)
            }
        }
    }

    // MARK: - Actions

    mutating func perform(_ actions: [ShimMachine.Action]) {
        for action in actions {
            switch action {
            case .spawn:
                let event = spawn()
                perform(machine.handle(event, at: System.monotonicMilliseconds()))
            case .signalProcess(let signal):
                if machine.pid > 0 { System.kill(machine.pid, signal) }
            case .signalGroup(let signal):
                if machine.pid > 0 { System.kill(-machine.pid, signal) }
                // Then every other descendant: a setsid'd or double-forked process leaves the group, but not the
                // shim's tree (it is a subreaper, so orphans come to it). Skipping the group's members means none
                // gets the signal twice. Without /proc the group alone is signalled, as before issue 12.
                System.signalDescendants(skipGroup: machine.pid, signal)
            case .probePort(let port):
                if System.portAccepts(port, milliseconds: 50) {
                    perform(machine.handle(.ready, at: System.monotonicMilliseconds()))
                }
            case .exit(let code):
                publish()
                drainLog(completely: true)
                log.flush()
                // Let go of the lock first, then say so once more: a listener that looks now sees the shim gone.
                System.close(lockFD)
                announce(published ?? StatusRecord())
                System.exit(code)
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
                program, searchPath: searchPath, isExecutable: { System.isExecutable($0) })
        else {
            return .spawnFailed("unable to find " + program + " in PATH " + searchPath)
        }

        var readyFD: (source: Int32, target: Int32)?
        if case .notificationFD(let target) = options.machine.readiness {
            if readyRead >= 0 { System.close(readyRead) }
            readyRead = -1
            if let pipe = try? System.pipe() {
                readyRead = pipe.read
                readyFD = (pipe.write, target)
                System.setNonBlocking(readyRead)
            }
        }
        defer { if let readyFD { System.close(readyFD.source) } }
        do throws(System.SpawnFailure) {
            let pid = try System.spawn(
                path: path, arguments: Array(options.command.dropFirst()), environment: environment,
                cwd: options.workingDirectory, output: logWrite, readyFD: readyFD, nice: options.nice,
                limits: options.limits, user: user)
            return .spawned(pid: pid)
        } catch {
            return .spawnFailed(error.step + " " + path + ": " + error.errno.description)
        }
    }

    // MARK: - Events

    mutating func handleSignals() {
        while let signal = System.nextSignal(signalFD) {
            switch signal {
            case System.childSignal: reap()
            case System.terminateSignal, System.interruptSignal:
                perform(machine.handle(.terminate, at: System.monotonicMilliseconds()))
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
        while let reaped = System.reapAny() {
            if reaped.pid == machine.pid && machine.childAlive {
                log.flush()
                perform(machine.handle(.childExited(reaped.exit), at: System.monotonicMilliseconds()))
            }
        }
        if machine.pgid > 0 && !machine.childAlive && !System.groupAlive(machine.pgid)
            && System.countDescendants() <= 0
        {
            perform(machine.handle(.groupGone, at: System.monotonicMilliseconds()))
        }
    }

    /// Copies what the pipe holds into the log. A chatty child gets at most `maxReads` reads per wakeup, so that
    /// signals and control commands are not starved; `completely` reads until the pipe is empty (at exit and before
    /// reaping, when all the child wrote is already in the pipe).
    mutating func drainLog(completely: Bool = false) {
        var reads = 0
        while completely || reads < 16 {
            let count = System.read(logRead, into: buffer)
            if count <= 0 { break }
            log.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            reads += 1
        }
        if log.droppedBytes != (published?.droppedBytes ?? 0) || log.dropping != (published?.logDropping ?? false) {
            publish()
        }
    }

    mutating func readControl() {
        let count = System.read(controlRead, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<4096]))
        if count <= 0 { return }
        for line in controlLines.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) {
            if let command = ControlCommand(line: String(decoding: line, as: UTF8.self)) {
                perform(machine.handle(.control(command), at: System.monotonicMilliseconds()))
            } else {
                System.writeError("dokuen-shim: " + options.directory + ": ignoring unknown control command\n")
            }
        }
        // A writer that never ends its line cannot make the shim hold more and more.
        if controlLines.remainder.count > 4096 { controlLines = LineSplitter() }
    }

    mutating func readReadyFD() {
        let count = System.read(readyRead, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<4096]))
        if count <= 0 {
            System.close(readyRead)  // end of file: the child closed its end without a newline
            readyRead = -1
            return
        }
        if UnsafeRawBufferPointer(rebasing: buffer[0..<count]).contains(0x0A) {
            perform(machine.handle(.ready, at: System.monotonicMilliseconds()))
        }
    }

    mutating func readNotifySocket() {
        while true {
            let count = System.receive(notifyFD, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<4096]))
            if count <= 0 { return }
            let message = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<count]), as: UTF8.self)
            for line in message.split(separator: "\n") where line == "READY=1" {
                perform(machine.handle(.ready, at: System.monotonicMilliseconds()))
            }
        }
    }

    // MARK: - Status

    /// Rewrites `status` and tells dokuend, when anything it shows has changed.
    mutating func publish() {
        var record = StatusRecord()
        record.state = machine.state
        record.wantUp = machine.wantUp
        record.shimPID = System.processID()
        record.pid = machine.childAlive ? machine.pid : 0
        record.pgid = machine.pgid
        record.sinceMilliseconds = machine.since + wallOffset
        record.restarts = machine.restarts
        record.lastExit = machine.lastExit
        record.ready = machine.ready
        record.droppedBytes = log.droppedBytes
        record.logDropping = log.dropping
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
            System.sendDatagram(
                options.eventsSocket, record.encoded() + "dir=" + StatusRecord.escape(options.directory) + "\n")
        }
    }

    // MARK: - Helpers

    func fail(_ what: String, _ failure: System.Errno) -> Never {
        System.writeError("dokuen-shim: error: " + what + ": " + failure.description + "\n")
        System.exit(1)
    }
}
