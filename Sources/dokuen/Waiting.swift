import DokuenAPI
import DokuenCore
import DokuenPosix

/// Waiting, in the CLI, until instances reach a state: `stop` and `start` (and `shutdown --application`) return once
/// what they asked for happened. The wait reads `GET /v1/status` at once and again after each change dokuend
/// announces through the long poll `GET /v1/changes` (docs/API.md, Changes), never on a timer; the one timeout of
/// each poll is the next moment the CLI has something to do: print its progress line, or give up at the deadline.

/// An instance slot, `blog:web.1`, whatever release runs in it.
struct InstanceSlot: Hashable, Comparable, CustomStringConvertible, Sendable {
    var app: String
    var type: String
    var index: Int

    init(app: String, type: String, index: Int) {
        self.app = app
        self.type = type
        self.index = index
    }

    init(_ status: InstanceStatus) { self.init(app: status.app, type: status.type, index: status.index) }

    var description: String { "\(app):\(type).\(index)" }

    static func < (left: Self, right: Self) -> Bool {
        (left.app, left.type, left.index) < (right.app, right.type, right.index)
    }
}

/// What a wait waits for: a pure function of the statuses says whether it is reached.
enum InstanceGoal: Sendable {
    /// Every instance the targets name is gone: neither a shim nor an app process of it is left (`stop`).
    case gone([Target])
    /// Every slot has a live instance that is RUNNING, or that finished (EXITED with code 0, which only a type whose
    /// `restart` lets it exit can do: a one-shot type) (`start`).
    case running([InstanceSlot])

    /// Where the wait stands, given every instance's status now.
    func verdict(_ statuses: [InstanceStatus]) -> WaitVerdict {
        switch self {
        case .gone(let targets):
            let left = statuses.filter { status in
                (status.shimPID != nil || status.pid != nil) && targets.contains { $0.names(status) }
            }
            return left.isEmpty ? .done : .waiting(left.map { Pending(slot: InstanceSlot($0), status: $0) })
        case .running(let slots):
            var pending: [Pending] = []
            for slot in slots.sorted() {
                let live = statuses.filter { InstanceSlot($0) == slot && $0.shimPID != nil }
                if live.contains(where: \.isUp) { continue }
                if let failed = live.first(where: \.hasFailed) { return .failed(failed) }
                pending.append(Pending(slot: slot, status: live.first))
            }
            return pending.isEmpty ? .done : .waiting(pending)
        }
    }
}

/// A slot a wait still waits for, with its instance's status when it has one.
struct Pending: Equatable, Sendable {
    var slot: InstanceSlot
    var status: InstanceStatus?

    /// `blog:web.1 (STOPPING, pid 4242)`, `blog:web.2 (not started yet)`.
    var description: String {
        guard let status else { return "\(slot) (not started yet)" }
        return "\(slot) (\(status.state)" + (status.pid.map { ", pid \($0)" } ?? "") + ")"
    }
}

enum WaitVerdict: Equatable, Sendable {
    case done
    /// Not yet: these slots are short of the goal.
    case waiting([Pending])
    /// An instance that should start crashed instead (BACKOFF, FATAL, EXITED other than with code 0).
    case failed(InstanceStatus)
}

extension Target {
    /// Whether the target names the instance of `status`.
    func names(_ status: InstanceStatus) -> Bool { names(InstanceSlot(status)) }

    /// Whether the target names `slot`.
    func names(_ slot: InstanceSlot) -> Bool {
        switch self {
        case .slot(_, _, let index): covers(app: slot.app, type: slot.type) && slot.index == index
        default: covers(app: slot.app, type: slot.type)
        }
    }

    /// Whether the target names some instance of process type `type` of `app`.
    func covers(app: String, type: String) -> Bool {
        switch self {
        case .all: true
        case .app(let name): app == name.rawValue
        case .type(let name, let kind), .slot(let name, let kind, _): app == name.rawValue && type == kind.rawValue
        }
    }
}

extension InstanceStatus {
    /// RUNNING, or finished: EXITED with code 0.
    var isUp: Bool { state == "RUNNING" || (state == "EXITED" && exit == "code 0") }

    /// Crashed while it should run: BACKOFF, FATAL, or EXITED other than with code 0.
    var hasFailed: Bool { state == "BACKOFF" || state == "FATAL" || (state == "EXITED" && exit != "code 0") }
}

extension FormationEntry {
    /// The slots of this type that should run: 1 to the count, unless the type or the slot is stopped.
    func wantedSlots(app: String) -> [InstanceSlot] {
        guard !stopped, count > 0 else { return [] }
        return (1...count).filter { !stoppedIndexes.contains($0) }.map {
            InstanceSlot(app: app, type: type, index: $0)
        }
    }
}

/// How long a wait may take and what its progress line says.
struct WaitPlan {
    var goal: InstanceGoal
    /// After this many milliseconds, the wait gives up: it says what still runs (or has not started) and fails.
    var deadlineMilliseconds: Int
    /// When the wait is still on after this many milliseconds, one line on stderr says what it waits for.
    var progressAfterMilliseconds = 2_000
    /// `stop`, `start`: the verb of the progress line and of the error.
    var verb: String
    /// What it is done to, for the error: `blog`, `blog:web.2 blog:worker`.
    var subject: String
    /// The progress line's note on how long one slot's change may take (`stop timeout 30 s`), by slot.
    var timeoutNote: (InstanceSlot) -> String?

    /// `Waiting for blog:web.1, blog:web.2 to stop (stop timeout 30 s)…`
    func progressLine(_ pending: [Pending]) -> String {
        let names = pending.map(\.slot.description)
        let shown =
            names.count > 4
            ? names.prefix(3).joined(separator: ", ") + " and \(names.count - 3) more"
            : names
                .joined(separator: ", ")
        let notes = Set(pending.compactMap { timeoutNote($0.slot) })
        let note = notes.count == 1 ? " (\(notes.first!))" : ""
        return "Waiting for \(shown) to \(verb)\(note)…"
    }

    /// The error once the deadline passed: what is still short of the goal.
    func timedOut(_ pending: [Pending]) -> CLIError {
        let seconds = (deadlineMilliseconds + 999) / 1000
        let what = pending.map(\.description).joined(separator: ", ")
        let state = verb == "stop" ? "still running" : "not running"
        return CLIError(
            message: "unable to \(verb) \(subject): after \(seconds) s, \(what) \(pending.count == 1 ? "is" : "are") "
                + "\(state); see dokuen status")
    }

    /// The error of an instance that crashed instead of starting.
    func failed(_ status: InstanceStatus) -> CLIError {
        let exit = status.exit.map { ", last exit \($0)" } ?? ""
        return CLIError(
            message: "unable to \(verb) \(subject): \(InstanceSlot(status)) is \(status.state)\(exit); see dokuen logs "
                + "\(status.app)")
    }
}

extension DaemonClient {
    /// Waits until `plan`'s goal is reached, or fails: an instance crashed, or the deadline passed.
    func wait(_ plan: WaitPlan) throws {
        let start = ContinuousClock.now
        func elapsed() -> Int { Int((ContinuousClock.now - start).milliseconds) }
        // The generation before each read: a change in between answers the next poll at once, so none is missed.
        var seen = try generation(after: -1, waitMilliseconds: 0)
        var announced = false
        while true {
            // States only: no memory and CPU figures, which dokuend would read from /proc for every process.
            let statuses = try call("GET", "/v1/status?usage=0", as: [InstanceStatus].self)
            let pending: [Pending]
            switch plan.goal.verdict(statuses) {
            case .done: return
            case .failed(let status): throw plan.failed(status)
            case .waiting(let left): pending = left
            }
            let now = elapsed()
            if now >= plan.deadlineMilliseconds { throw plan.timedOut(pending) }
            if !announced && now >= plan.progressAfterMilliseconds {
                announced = true
                try? Posix.writeAll(2, Array((plan.progressLine(pending) + "\n").utf8))
            }
            let next =
                announced ? plan.deadlineMilliseconds : min(plan.deadlineMilliseconds, plan.progressAfterMilliseconds)
            seen = try generation(after: seen, waitMilliseconds: min(max(next - now, 1), 60_000))
        }
    }

    /// dokuend's change generation once it passed `after`, or when `waitMilliseconds` passed (`GET /v1/changes`).
    func generation(after: Int, waitMilliseconds: Int) throws -> Int {
        struct Generation: Decodable { var generation: Int }
        return try call("GET", "/v1/changes?after=\(after)&wait=\(waitMilliseconds)", as: Generation.self).generation
    }
}
