/// The shim's policy-free core, a pure state machine: `handle(event, at:)` returns the actions the I/O layer must
/// perform, in order. It owns no fds and makes no syscalls, so every transition is tested without processes.
/// Times are monotonic milliseconds; `deadline` is the one timer the main loop waits for.
public struct ShimMachine: Sendable {
    /// What the machine needs to know of the shim's configuration.
    public struct Settings: Equatable, Sendable {
        public var restart: RestartPolicy = .always
        public var backoff = Backoff()
        public var stopSignal: Int32 = Signals.terminate
        public var stopTimeout: Int64 = 30_000
        /// After SIGKILL, how long to wait for the group before giving up on it (a process in D state).
        public var killGrace: Int64 = 5_000
        public var readiness: Readiness = .upFor(1_000)
        public var startTimeout: Int64 = 60_000
        /// Interval of port probes while STARTING.
        public var probeInterval: Int64 = 100
        public var startDown = false

        public init() {}
    }

    /// Something that happened.
    public enum Event: Equatable, Sendable {
        /// The shim has started.
        case boot
        /// The fork and exec of the child succeeded; the child leads its own process group.
        case spawned(pid: Int32)
        /// The child could not be started (missing program, no permission, bad user …).
        case spawnFailed(String)
        /// The main process was reaped.
        case childExited(ProcessExit)
        /// No process of the child's group is left, nor any other descendant of the shim (a setsid'd or
        /// double-forked process leaves the group but, the shim being a subreaper, stays in its tree): nothing of
        /// the instance runs any more (issue 12).
        case groupGone
        /// A readiness probe (notification fd, notify socket, port) succeeded.
        case ready
        /// `deadline` has passed.
        case deadline
        case control(ControlCommand)
        /// SIGTERM or SIGINT to the shim: stop the child, then exit, like `x`.
        case terminate
    }

    /// Something the I/O layer must do.
    public enum Action: Equatable, Sendable {
        /// Fork and exec the child, then report `.spawned` or `.spawnFailed`.
        case spawn
        /// Signal the main process only.
        case signalProcess(Int32)
        /// Signal the child's whole process group, then every other descendant of the shim: the instance's whole
        /// process tree, so that no process escapes a teardown by leaving the group.
        case signalGroup(Int32)
        /// Try the readiness port once; report `.ready` if it accepts.
        case probePort(Int32)
        /// Exit the shim with this code.
        case exit(Int32)
    }

    private enum AfterStop: Equatable, Sendable {
        case stay
        case restart
        case exitShim
    }

    public let settings: Settings
    public private(set) var state: ShimState = .stopped
    public private(set) var wantUp = false
    /// The last main process (0 before the first spawn); `childAlive` says whether it still runs. It leads its own
    /// group, so it is also the pgid.
    public private(set) var pid: Int32 = 0
    public private(set) var childAlive = false
    /// Whether the group, or another descendant of the shim, may still run (until `groupGone`).
    public private(set) var groupAlive = false
    public private(set) var ready = false
    /// Restarts since the shim started (not counting `u` or `r` from a person).
    public private(set) var restarts = 0
    /// Failures in the current series; see `Backoff`.
    public private(set) var failures = 0
    public private(set) var lastExit: ProcessExit?
    public private(set) var lastError = ""
    /// When the state last changed.
    public private(set) var since: Int64 = 0
    public private(set) var deadline: Int64?
    private var startedAt: Int64 = 0
    private var afterStop = AfterStop.stay
    /// Whether the teardown has reached its SIGKILL step.
    private var killSent = false

    public init(settings: Settings) { self.settings = settings }

    /// The process group to signal, 0 when none.
    public var pgid: Int32 { groupAlive ? pid : 0 }

    public mutating func handle(_ event: Event, at now: Int64) -> [Action] {
        switch event {
        case .boot:
            if settings.startDown { return [] }
            wantUp = true
            return start(now)
        case .spawned(let newPID):
            pid = newPID
            childAlive = true
            groupAlive = true
            lastError = ""
            switch settings.readiness {
            case .upFor(let milliseconds): deadline = now + milliseconds
            case .port: deadline = now + settings.probeInterval
            case .notificationFD, .notifySocket: deadline = now + settings.startTimeout
            }
            return []
        case .spawnFailed(let message):
            lastError = message
            return failed(now, fast: true)
        case .childExited(let exit):
            return childExited(exit, now)
        case .groupGone:
            groupAlive = false
            if state == .stopping, !childAlive { return finishStop(now) }
            return []
        case .ready:
            if state == .starting, childAlive { becomeReady(now) }
            return []
        case .deadline:
            return deadlinePassed(now)
        case .control(let command):
            return control(command, now)
        case .terminate:
            return control(.exit, now)
        }
    }

    // MARK: - Transitions

    private mutating func start(_ now: Int64) -> [Action] {
        move(to: .starting, now)
        ready = false
        startedAt = now
        deadline = nil
        return [.spawn]
    }

    private mutating func becomeReady(_ now: Int64) {
        move(to: .running, now)
        ready = true
        deadline = nil
    }

    private mutating func childExited(_ exit: ProcessExit, _ now: Int64) -> [Action] {
        childAlive = false
        lastExit = exit
        switch state {
        case .stopping:
            return groupAlive ? [] : finishStop(now)
        case .starting, .running:
            // The main process is gone: nothing of its group, nor any other descendant, may outlive it, so a
            // restart never finds leftovers of the previous run (systemd's KillMode=control-group; docs/SHIM.md).
            let cleanup: [Action] = groupAlive ? [.signalGroup(Signals.kill)] : []
            guard settings.restart.restarts(after: exit) else {
                move(to: .exited, now)
                ready = false
                deadline = nil
                return cleanup
            }
            let fast = state == .starting || now - startedAt < settings.backoff.stableAfter
            return cleanup + failed(now, fast: fast)
        default:
            return []
        }
    }

    /// An unexpected exit or a failed start: restart now, later, or go FATAL.
    private mutating func failed(_ now: Int64, fast: Bool) -> [Action] {
        failures = fast ? failures + 1 : 1
        ready = false
        if failures >= settings.backoff.fatalAfter {
            move(to: .fatal, now)
            deadline = now + settings.backoff.fatalRetry
            return []
        }
        let delay = settings.backoff.delay(failures: failures)
        if delay == 0 {
            restarts += 1
            return start(now)
        }
        move(to: .backoff, now)
        deadline = now + delay
        return []
    }

    private mutating func deadlinePassed(_ now: Int64) -> [Action] {
        guard let due = deadline, now >= due else { return [] }
        deadline = nil
        switch state {
        case .starting:
            guard childAlive else { return [] }
            if now - startedAt >= settings.startTimeout {
                lastError = "not ready after " + String(settings.startTimeout) + " ms"
                return [.signalGroup(Signals.kill)]  // its exit, as a fast failure, decides what follows
            }
            switch settings.readiness {
            case .upFor:
                becomeReady(now)
                return []
            case .port(let port):
                deadline = min(now + settings.probeInterval, startedAt + settings.startTimeout)
                return [.probePort(port)]
            case .notificationFD, .notifySocket:
                deadline = startedAt + settings.startTimeout
                return []
            }
        case .backoff, .fatal:
            restarts += 1
            return start(now)
        case .stopping:
            if !killSent {
                killSent = true
                deadline = now + settings.killGrace
                return [.signalGroup(Signals.kill)]
            }
            lastError = "process group " + String(pid) + " or a descendant survived SIGKILL"
            groupAlive = false
            childAlive = false
            return finishStop(now)
        default:
            return []
        }
    }

    private mutating func control(_ command: ControlCommand, _ now: Int64) -> [Action] {
        switch command {
        case .up:
            wantUp = true
            switch state {
            case .stopped, .exited, .backoff, .fatal:
                failures = 0
                return start(now)
            case .stopping:
                if afterStop == .stay { afterStop = .restart }
                return []
            case .starting, .running:
                return []
            }
        case .down:
            wantUp = false
            return stop(now, then: .stay)
        case .restart:
            wantUp = true
            switch state {
            case .starting, .running, .stopping:
                return stop(now, then: .restart)
            case .stopped, .exited, .backoff, .fatal:
                failures = 0
                return start(now)
            }
        case .signal(let number):
            return childAlive ? [.signalProcess(number)] : []
        case .exit:
            wantUp = false
            return stop(now, then: .exitShim)
        }
    }

    private mutating func stop(_ now: Int64, then after: AfterStop) -> [Action] {
        switch state {
        case .starting, .running:
            afterStop = after
            move(to: .stopping, now)
            killSent = false
            deadline = now + settings.stopTimeout
            // SIGCONT after the stop signal, so that a stopped process can act on it (s6-supervise does the same).
            return [.signalGroup(settings.stopSignal), .signalGroup(Signals.continueProcess)]
        case .stopping:
            // A pending exit (`x`, SIGTERM) is never cancelled by a later `d` or `r`.
            if afterStop != .exitShim { afterStop = after }
            return []
        case .stopped, .exited, .backoff, .fatal:
            deadline = nil
            move(to: .stopped, now)
            return after == .exitShim ? [.exit(0)] : after == .restart ? start(now) : []
        }
    }

    private mutating func finishStop(_ now: Int64) -> [Action] {
        pid = 0
        deadline = nil
        ready = false
        move(to: .stopped, now)
        let after = afterStop
        afterStop = .stay
        switch after {
        case .stay: return []
        case .restart:
            failures = 0
            return start(now)
        case .exitShim: return [.exit(0)]
        }
    }

    private mutating func move(to newState: ShimState, _ now: Int64) {
        if newState != state { since = now }
        state = newState
    }
}
