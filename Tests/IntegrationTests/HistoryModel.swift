/// The model of `ConcurrentHistoryTests`: what one app should run after a history of verbs, as a pure function of
/// the verbs in the order they took effect (docs/DESIGN.md §2, "Verbs during a deploy"). The app has two process
/// types, `a` and `b`, each a `sleep` whose argument names the deploy that made it, and one config key, `CFG`.
struct HistoryModel: Hashable, CustomStringConvertible {
    /// One release: the deploy whose code it runs and the value of CFG it carries.
    struct Release: Hashable {
        var marker: Int
        var config: Int?
    }

    /// Newest last.
    var releases: [Release] = []
    /// The envdir's CFG.
    var config: Int?
    /// The stored formation: a type has a row once it was scaled or released.
    var counts: [String: Int] = [:]
    var stoppedTypes: Set<String> = []
    /// `dokuen stop APP`: the types a release adds later come stopped too.
    var appStopped = false

    static let types = ["a", "b"]

    enum Verb: Hashable, CustomStringConvertible {
        /// A deploy of code `marker`; a bad one has a Procfile that the daemon refuses after the build.
        case deploy(marker: Int, good: Bool)
        case stop(type: String?)
        case start(type: String?)
        case scale(type: String, count: Int)
        case config(Int)
        case rollback
        case restart

        var description: String {
            switch self {
            case .deploy(let marker, let good): "deploy \(marker)\(good ? "" : " (bad)")"
            case .stop(let type): "stop" + (type.map { " :\($0)" } ?? "")
            case .start(let type): "start" + (type.map { " :\($0)" } ?? "")
            case .scale(let type, let count): "scale \(type)=\(count)"
            case .config(let value): "config CFG=\(value)"
            case .rollback: "rollback"
            case .restart: "restart"
            }
        }
    }

    /// Applies `verb`; false when the daemon must refuse it (and then nothing changed).
    mutating func apply(_ verb: Verb) -> Bool {
        switch verb {
        case .deploy(let marker, let good):
            guard good else { return false }
            if releases.isEmpty {
                // app.json's formation: a=1 b=1, unless a count was set before (Formation.forRelease).
                for type in Self.types where counts[type] == nil {
                    counts[type] = 1
                    if appStopped { stoppedTypes.insert(type) }
                }
            }
            releases.append(Release(marker: marker, config: config))
        case .stop(let type):
            if let type {
                guard counts[type] != nil else { return false }
                stoppedTypes.insert(type)
            } else {
                appStopped = true
                stoppedTypes = Set(counts.keys)
            }
        case .start(let type):
            if let type {
                guard counts[type] != nil else { return false }
                stoppedTypes.remove(type)
            } else {
                appStopped = false
                stoppedTypes = []
            }
        case .scale(let type, let count):
            if counts[type] == nil, appStopped { stoppedTypes.insert(type) }
            counts[type] = count
        case .config(let value):
            config = value
            if let current = releases.last { releases.append(Release(marker: current.marker, config: value)) }
        case .rollback:
            guard releases.count >= 2 else { return false }
            let target = releases[releases.count - 2]
            releases.append(target)
            config = target.config
        case .restart:
            break
        }
        return true
    }

    /// One running instance as the test sees it in /proc.
    struct Instance: Hashable, Comparable, CustomStringConvertible {
        var dyno: String
        var marker: Int
        var config: Int?

        static func < (left: Self, right: Self) -> Bool {
            (left.dyno, left.marker, left.config ?? -1) < (right.dyno, right.marker, right.config ?? -1)
        }

        var description: String { "\(dyno)@\(marker)" + (config.map { " CFG=\($0)" } ?? "") }
    }

    /// What should run once everything settled.
    var expected: [Instance] {
        guard let current = releases.last else { return [] }
        var instances: [Instance] = []
        for type in Self.types where !stoppedTypes.contains(type) {
            for index in stride(from: 1, through: counts[type] ?? 0, by: 1) {
                instances.append(Instance(dyno: "\(type).\(index)", marker: current.marker, config: current.config))
            }
        }
        return instances.sorted()
    }

    var description: String {
        let formation = Self.types.map { type in
            "\(type)=\(counts[type].map(String.init) ?? "-")" + (stoppedTypes.contains(type) ? " stopped" : "")
        }
        return "releases \(releases.map { "\($0.marker)/\($0.config.map(String.init) ?? "-")" }), config "
            + "\(config.map(String.init) ?? "-"), \(formation.joined(separator: ", "))"
            + (appStopped ? ", app stopped" : "")
    }
}

/// One verb as a client gave it: when it was sent and answered (ms on the monotonic clock), and what came back.
struct HistoryEvent: CustomStringConvertible {
    enum Outcome: Equatable {
        case done
        case refused
        /// dokuend was killed while it ran (or it could not tell): it may or may not have happened.
        case unknown
    }

    var client: Int
    var verb: HistoryModel.Verb
    var sent: Int64
    var answered: Int64
    var outcome: Outcome
    var output: String
    /// For a stop that said `Stopped`: the instances of its target that ran (in /proc) right after it said so.
    var runningAfter: [String] = []

    var description: String {
        "client \(client): \(verb) [\(sent)–\(answered) ms] → \(outcome)"
    }
}

/// Every state the model allows after `events`: each order of them that respects real time (an event answered
/// before another was sent comes first), where a `done` event must be allowed in that state, a `refused` one must
/// be refused, and an `unknown` one happened or not.
func allowedStates(_ events: [HistoryEvent]) -> Set<HistoryModel> {
    var results: Set<HistoryModel> = []
    func explore(_ state: HistoryModel, _ left: [Int]) {
        guard !left.isEmpty else {
            results.insert(state)
            return
        }
        for (position, index) in left.enumerated() {
            let event = events[index]
            // Not while an event still left was answered before this one was sent: that one came first.
            let blocked = left.contains { other in
                other != index && events[other].outcome != .unknown && events[other].answered < event.sent
            }
            if blocked { continue }
            var rest = left
            rest.remove(at: position)
            var next = state
            let allowed = next.apply(event.verb)
            switch event.outcome {
            case .done:
                if allowed { explore(next, rest) }
            case .refused:
                if !allowed { explore(state, rest) }
            case .unknown:
                if allowed { explore(next, rest) }
                explore(state, rest)
            }
        }
    }
    explore(HistoryModel(), Array(events.indices))
    return results
}
