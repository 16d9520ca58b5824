/// The cutover's policy as a pure state machine (docs/FAULTS.md): `handle(event)` returns what the shell must do,
/// in order. It makes no I/O and reads no clock, so every path, a restart's included, is tested without processes.
///
/// Rules:
/// 1. Each phase is recorded (`.record`) before its step runs (`.run`), so a restarted daemon knows which step was
///    cut short. A batch of actions holds at most one `.run` or one `.finish`, and it is last.
/// 2. The path: building → built (a deploy's own build only) → starting → checking (when web runs) → routing (when
///    nginx routes) → recording → recorded → stopping-old (when a release served before) → pruning → done.
/// 3. A step that fails before the release is recorded withdraws the candidate, discards the build the deploy made,
///    and ends failed: what served keeps serving. From `recorded` on, the release serves: a failing step is logged
///    and the cutover goes on, and it ends succeeded.
/// 4. After a restart (`.restarted`), a phase before `recorded` ends failed (a build still running is killed
///    first), unless the store says the release was recorded after all: then the cutover goes on from `recorded`.
///    From `recorded` on, the interrupted step runs again (each is idempotent) and the cutover ends succeeded.
/// 5. Once ended (done, withdrawn), or for an event the phase does not expect, nothing changes and nothing is done.
public struct CutoverMachine: Equatable, Sendable {
    /// What the cutover has to do, known before it begins.
    public struct Plan: Equatable, Sendable {
        /// A deploy makes its own build first; config changes, settings and rollbacks reuse one.
        public var makesBuild: Bool
        /// Zero-downtime is off and a release serves: it stops before the candidate starts.
        public var stopsServingFirst: Bool
        /// The candidate runs web instances, whose port and HTTP checks must pass.
        public var checksWeb: Bool
        /// nginx routes the app: it switches to the candidate before the release is recorded.
        public var routes: Bool
        /// A release served before this one: its instances stop after the switch.
        public var replacesServing: Bool

        public init(
            makesBuild: Bool, stopsServingFirst: Bool = false, checksWeb: Bool = false, routes: Bool = false,
            replacesServing: Bool = false
        ) {
            self.makesBuild = makesBuild
            self.stopsServingFirst = stopsServingFirst
            self.checksWeb = checksWeb
            self.routes = routes
            self.replacesServing = replacesServing
        }
    }

    /// Something that happened.
    public enum Event: Equatable, Sendable {
        /// The cutover begins.
        case begin
        /// The step last asked for (`.run`) succeeded.
        case stepDone
        /// The step last asked for failed, for this reason.
        case stepFailed(String)
        /// dokuend restarted with this cutover in its recorded phase; `releaseRecorded` is the store's word on
        /// whether the candidate's release exists.
        case restarted(releaseRecorded: Bool)
    }

    /// A step of the shell, reported back as `.stepDone` or `.stepFailed`.
    public enum Step: Equatable, Sendable {
        /// Unpack, compile and record the build.
        case build
        /// Propose the candidate and start its instances (stopping the serving ones first when asked).
        case startCandidate(stopServingFirst: Bool)
        /// Wait until its instances are ready and its web checks pass.
        case check
        /// Point nginx at the candidate and let the old instances drain.
        case route
        /// Record the release.
        case recordRelease
        /// Make the recorded release the supervisor's desired one and switch `current`/`previous`.
        case switchLinks
        /// Let the reconciler stop the instances of the release before it and wait (bounded) until they are gone.
        case stopOld
        /// Forget old releases; remove the builds none of the kept ones uses, directories included.
        case prune
    }

    /// What the shell must do.
    public enum Action: Equatable, Sendable {
        /// Write the phase to the store before anything of it happens.
        case record(CutoverPhase)
        case run(Step)
        /// Kill what is left of a build cut short by a restart (its processes, found from its directory).
        case killBuild
        /// Stop the candidate's instances and unpin nginx; what served keeps serving.
        case withdraw
        /// Remove the build the deploy made: its record and its directory.
        case discardBuild
        /// Log a failure that no longer fails the cutover (the release serves already).
        case log(String)
        /// The cutover is over: the caller records the deploy's outcome.
        case finish(Outcome)
    }

    /// How the cutover ended.
    public enum Outcome: Equatable, Sendable {
        case succeeded
        case failed(String)
    }

    public let plan: Plan
    /// Nil until `.begin`.
    public private(set) var phase: CutoverPhase?

    /// A cutover about to begin.
    public init(plan: Plan) {
        self.plan = plan
        phase = nil
    }

    /// A cutover found in `phase` by a restarted daemon; `.restarted` is its next event.
    public init(plan: Plan, recordedPhase: CutoverPhase) {
        self.plan = plan
        phase = recordedPhase
    }

    public mutating func handle(_ event: Event) -> [Action] {
        switch (phase, event) {
        case (nil, .begin):
            return plan.makesBuild ? enter(.building, .build) : starting()
        case (let phase?, .stepDone):
            return next(after: phase)
        case (let phase?, .stepFailed(let reason)):
            if phase.isRecorded, phase != .done { return [.log(reason)] + next(after: phase) }
            guard phase != .done, phase != .withdrawn else { return [] }
            return withdraw(reason: reason, running: phase != .building)
        case (let phase?, .restarted(let releaseRecorded)):
            return restarted(in: phase, releaseRecorded: releaseRecorded)
        default:
            return []
        }
    }

    private mutating func enter(_ next: CutoverPhase, _ step: Step) -> [Action] {
        phase = next
        return [.record(next), .run(step)]
    }

    private mutating func starting() -> [Action] {
        enter(.starting, .startCandidate(stopServingFirst: plan.stopsServingFirst))
    }

    /// The phase after `phase`'s step succeeded, skipping the steps the plan does not need.
    private mutating func next(after phase: CutoverPhase) -> [Action] {
        switch phase {
        case .building:
            self.phase = .built
            return [.record(.built)] + starting()
        case .built:
            return starting()
        case .starting:
            return plan.checksWeb ? enter(.checking, .check) : next(after: .checking)
        case .checking:
            return plan.routes ? enter(.routing, .route) : next(after: .routing)
        case .routing:
            return enter(.recording, .recordRelease)
        case .recording:
            return enter(.recorded, .switchLinks)
        case .recorded:
            return plan.replacesServing ? enter(.stoppingOld, .stopOld) : next(after: .stoppingOld)
        case .stoppingOld:
            return enter(.pruning, .prune)
        case .pruning:
            self.phase = .done
            return [.record(.done), .finish(.succeeded)]
        case .done, .withdrawn:
            return []
        }
    }

    /// Rule 3: the candidate goes (when it may have started), then the build the deploy made.
    private mutating func withdraw(reason: String, running: Bool) -> [Action] {
        phase = .withdrawn
        return [.record(.withdrawn)] + (running ? [.withdraw] : []) + (plan.makesBuild ? [.discardBuild] : [])
            + [.finish(.failed(reason))]
    }

    /// Rule 4.
    private mutating func restarted(in phase: CutoverPhase, releaseRecorded: Bool) -> [Action] {
        let reason = "dokuend restarted while \(phase.doing); the release before it serves"
        switch phase {
        case .building:
            return [.killBuild] + withdraw(reason: reason, running: false)
        case .built, .starting, .checking, .routing, .recording:
            if releaseRecorded { return enter(.recorded, .switchLinks) }
            return withdraw(reason: reason, running: true)
        case .recorded:
            return [.run(.switchLinks)]
        case .stoppingOld:
            return [.run(.stopOld)]
        case .pruning:
            return [.run(.prune)]
        case .done:
            return [.finish(.succeeded)]
        case .withdrawn:
            return [.withdraw] + (plan.makesBuild ? [.discardBuild] : [])
                + [.finish(.failed("dokuend restarted while withdrawing the candidate; the release before it serves"))]
        }
    }
}
