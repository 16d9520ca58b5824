import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Random concurrent histories of verbs against one real dokuend, checked against a model (docs/DESIGN.md §2,
/// "Verbs during a deploy"). Each history is one app and two or three clients, each giving one or two verbs through
/// the CLI at once with the others: deploys (good, and bad ones the daemon refuses), stop and start of the app or of
/// a type, ps scale, config set, rollback and restart. Some rounds kill dokuend with SIGKILL in the middle and start
/// it again. Once a history's verbs are answered and its deploys finished, what runs (read from /proc: each app
/// process's type, the deploy its command line names and the CFG in its environment) must be what the model says
/// for some order of the verbs that respects real time, where each verb answered as the model says it would
/// (`allowedStates`), within a deadline.
///
/// `DOKUEN_HISTORIES` sets how many (default 200), `DOKUEN_HISTORY_SEED` the seed (printed; the same seed gives the
/// same verbs, while the interleaving is the machine's). bench/chaos runs many more.
@Suite(.serialized, .timeLimit(.minutes(12))) struct ConcurrentHistoryTests {
    static let appsPerRound = 10

    @Test func randomHistoriesEndAsTheModelSays() throws {
        let environment = ProcessInfo.processInfo.environment
        let count = environment["DOKUEN_HISTORIES"].flatMap(Int.init) ?? 200
        let seed = environment["DOKUEN_HISTORY_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        print(
            "ConcurrentHistoryTests: \(count) histories, seed \(seed) (DOKUEN_HISTORY_SEED=\(seed) replays its verbs)")
        var random = SplitMix64(seed: seed)
        let daemon = try DaemonHarness(label: "histories")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("code"), mode: 0o755)
        signal(SIGPIPE, SIG_IGN)
        // Shared by the client threads: they only run the CLI against it (its paths never change), and the one thread
        // that kills and restarts dokuend is the only one that replaces its daemon.
        nonisolated(unsafe) let shared = daemon
        var done = 0
        var verbs = 0
        var kills = 0
        var unknown = 0
        while done < count {
            let apps = (done..<min(done + Self.appsPerRound, count)).map { "h\($0)" }
            let plans = apps.map { _ in Self.plan(&random) }
            let killAfter: Int? = random.next() % 2 == 0 ? Int(random.next() % 1500) : nil
            for app in apps {
                let created = try daemon.dokuen(["apps", "create", app])
                try #require(created.status == .exited(0), "\(created.standardError)")
            }
            let log = EventLog()
            let group = DispatchGroup()
            for (app, plan) in zip(apps, plans) {
                for (client, verbs) in plan.enumerated() {
                    group.enter()
                    Thread.detachNewThread {
                        defer { group.leave() }
                        for verb in verbs { log.append(app, Self.run(verb, app: app, client: client, daemon: shared)) }
                    }
                }
            }
            if let killAfter {
                kills += 1
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    usleep(UInt32(killAfter) * 1000)
                    let start = monotonic()
                    do { try shared.restart() } catch { log.fail("dokuend did not come back: \(error)") }
                    log.killed(start, monotonic())
                }
            }
            guard group.wait(timeout: .now() + 300) == .success else {
                Issue.record("a round did not finish in 300 s (seed \(seed))")
                return
            }
            if let failure = log.failure { Issue.record("\(failure) (seed \(seed))") }
            for app in apps {
                let events = log.events(of: app)
                verbs += events.count
                unknown += events.filter { $0.outcome == .unknown }.count
                // Every answer must be one the verb can give: done, refused as the model refuses, or cut short.
                for event in log.unexplained(of: app) {
                    Issue.record("\(app): \(event.verb) answered \(event.output) (seed \(seed))")
                }
                for stop in events where !stop.runningAfter.isEmpty {
                    let started = events.contains { event in
                        if case .start = event.verb {
                            event.sent < stop.answered && event.answered > stop.sent
                        } else {
                            false
                        }
                    }
                    if !started {
                        Issue.record(
                            "\(app): \(stop.verb) said \(stop.output) while \(stop.runningAfter) ran (seed \(seed))")
                    }
                }
                try check(app, events, daemon: daemon, seed: seed)
            }
            for app in apps {
                let destroyed = try daemon.dokuen(["apps", "destroy", app, "--confirm", app])
                try #require(destroyed.status == .exited(0), "\(destroyed.standardError)")
            }
            done += apps.count
        }
        print(
            "ConcurrentHistoryTests: \(done) histories, \(verbs) verbs (\(unknown) cut short by \(kills) kills of "
                + "dokuend)")
    }

    /// One history: two or three clients, each with one or two verbs; the first begins with a deploy.
    static func plan(_ random: inout SplitMix64) -> [[HistoryModel.Verb]] {
        var marker = 0
        func verb() -> HistoryModel.Verb {
            let type = random.next() % 2 == 0 ? nil : HistoryModel.types[Int(random.next() % 2)]
            switch random.next() % 10 {
            case 0, 1:
                marker += 1
                return .deploy(marker: marker, good: random.next() % 5 != 0)
            case 2, 3: return .stop(type: type)
            case 4: return .start(type: type)
            case 5: return .scale(type: HistoryModel.types[Int(random.next() % 2)], count: Int(random.next() % 3))
            case 6, 7: return .config(Int(random.next() % 100))
            case 8: return .rollback
            default: return .restart
            }
        }
        let clients = 2 + Int(random.next() % 2)
        return (0..<clients).map { client in
            var verbs = (0..<(1 + Int(random.next() % 2))).map { _ in verb() }
            if client == 0 {
                marker += 1
                verbs.insert(.deploy(marker: marker, good: true), at: 0)
            }
            return verbs
        }
    }

    /// Gives `verb` through the CLI and says how it was answered.
    static func run(_ verb: HistoryModel.Verb, app: String, client: Int, daemon: DaemonHarness) -> HistoryEvent {
        let sent = monotonic()
        var arguments: [String]
        switch verb {
        case .deploy(let marker, let good):
            let directory = daemon.temp("code/\(app)-\(marker)")
            do {
                try Posix.mkdir(directory, existingOK: true)
                let procfile =
                    "a: exec sleep \(1_000_000 + marker)\nb: exec sleep \(2_000_000 + marker)\n"
                    + (good ? "" : "-bad: exec true\n")
                try AtomicFile.write(Array(procfile.utf8), to: directory + "/Procfile", mode: 0o644)
                try AtomicFile.write(
                    Array(#"{"formation": {"a": {"quantity": 1}, "b": {"quantity": 1}}}"#.utf8),
                    to: directory + "/app.json", mode: 0o644)
            } catch {
                return HistoryEvent(
                    client: client, verb: verb, sent: sent, answered: monotonic(), outcome: .unknown,
                    output: "unable to write the app: \(error)")
            }
            arguments = ["deploy", app, directory]
        case .stop(let type): arguments = ["stop", type.map { "\(app):\($0)" } ?? app, "--timeout", "4"]
        case .start(let type): arguments = ["start", type.map { "\(app):\($0)" } ?? app, "--timeout", "4"]
        case .scale(let type, let count): arguments = ["ps", "scale", app, "\(type)=\(count)"]
        case .config(let value): arguments = ["config", "set", app, "CFG=\(value)"]
        case .rollback: arguments = ["rollback", app]
        case .restart: arguments = ["restart", app, "--no-wait"]
        }
        let result: ProgramResult
        do { result = try daemon.dokuen(arguments) } catch {
            return HistoryEvent(
                client: client, verb: verb, sent: sent, answered: monotonic(), outcome: .unknown, output: "\(error)")
        }
        let output = result.standardOutput + result.standardError
        let outcome: HistoryEvent.Outcome
        switch verb {
        case _ where result.status == .exited(0): outcome = .done
        case .restart: outcome = .done  // it changes nothing the model knows, whatever it answers
        case .stop, .start:
            // A wait that gave up still had its change made; a type not in the formation is refused.
            outcome =
                output.contains(" still running; see dokuen status") || output.contains(" not running; see dokuen")
                ? .done : output.contains("it is not in the app's formation") ? .refused : .unknown
        case .deploy(_, let good):
            outcome = !good && output.contains("Procfile") ? .refused : .unknown
        case .rollback:
            outcome =
                output.contains("it has no release yet") || output.contains("is its only release") ? .refused : .unknown
        case .scale, .config: outcome = .unknown
        }
        var event = HistoryEvent(
            client: client, verb: verb, sent: sent, answered: monotonic(), outcome: outcome, output: output)
        // `Stopped` must be true when it is said: nothing of the target runs (unless a start came meanwhile).
        if case .stop(let type) = verb, result.status == .exited(0) {
            event.runningAfter = observed(app, root: daemon.root).map(\.dyno).filter { dyno in
                type.map { dyno.hasPrefix($0 + ".") } ?? true
            }
        }
        return event
    }

    /// Waits (30 s at most) until the app's deploys are over and what runs is what some allowed state says.
    func check(_ app: String, _ events: [HistoryEvent], daemon: DaemonHarness, seed: UInt64) throws {
        let allowed = allowedStates(events)
        let history = events.sorted { $0.sent < $1.sent }.map { "  \($0)" }.joined(separator: "\n")
        guard !allowed.isEmpty else {
            let outputs = events.map { "  \($0.verb): \($0.output)" }.joined(separator: "\n")
            Issue.record(
                "\(app): no order of its verbs answers as they did (seed \(seed)):\n\(history)\noutputs:\n\(outputs)")
            return
        }
        let expected = Set(allowed.map(\.expected))
        let end = monotonic() + 30_000
        var seen = try daemon.changes(after: -1, waitMilliseconds: 0)
        var observed: [HistoryModel.Instance] = []
        while true {
            let deploying = try JSONDecoder().decode(
                [DeployOutcome].self,
                from: Data(
                    try UnixHTTPClient(socketPath: daemon.root + "/run/dokuend.sock").send(
                        "GET", "/v1/apps/\(app)/deploys"
                    ).body)
            ).contains { $0.state == "running" }
            observed = Self.observed(app, root: daemon.root)
            if !deploying, expected.contains(observed) { return }
            let left = end - monotonic()
            guard left > 0 else { break }
            seen = try daemon.changes(after: seen, waitMilliseconds: Int(min(left, 2_000)))
        }
        let states = allowed.map { "  \($0) → \($0.expected)" }.sorted().joined(separator: "\n")
        let outputs = events.map { "  \($0.verb): \($0.output)" }.joined(separator: "\n")
        Issue.record(
            """
            \(app) runs \(observed), which no allowed state has (seed \(seed)).
            history:
            \(history)
            allowed:
            \(states)
            outputs:
            \(outputs)
            """)
    }

    /// What `app` runs now, from /proc.
    static func observed(_ app: String, root: String) -> [HistoryModel.Instance] {
        ProcScan.instances(root: root).filter { $0.app == app }.map { process in
            let argument = process.commandLine.compactMap { Int($0) }.first { $0 >= 1_000_000 }
            return HistoryModel.Instance(
                dyno: process.dyno, marker: argument.map { $0 % 1_000_000 } ?? -1,
                config: process.environment["CFG"].flatMap(Int.init))
        }.sorted()
    }
}

/// The events of a round, appended by its client threads.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var byApp: [String: [HistoryEvent]] = [:]
    private var kill: (start: Int64, end: Int64)?
    private(set) var failure: String?

    func append(_ app: String, _ event: HistoryEvent) {
        lock.withLock { byApp[app, default: []].append(event) }
    }

    func killed(_ start: Int64, _ end: Int64) { lock.withLock { kill = (start, end) } }

    func fail(_ message: String) { lock.withLock { failure = message } }

    /// The events of `app` that did not answer as a verb can, with no kill of dokuend to explain it.
    func unexplained(of app: String) -> [HistoryEvent] {
        lock.withLock {
            (byApp[app] ?? []).filter { event in
                guard event.outcome == .unknown else { return false }
                guard let kill else { return true }
                return !(event.sent <= kill.end && event.answered >= kill.start)
            }
        }
    }

    /// The events of `app`; one that was not done and overlapped the kill of dokuend may or may not have happened.
    func events(of app: String) -> [HistoryEvent] {
        lock.withLock {
            (byApp[app] ?? []).map { event in
                var event = event
                if let kill, event.outcome != .done, event.sent <= kill.end, event.answered >= kill.start {
                    event.outcome = .unknown
                }
                return event
            }
        }
    }
}
