import DokuenCore
import DokuenStore
import Testing

@testable import DokuenDaemon

/// The alerts' state machine (docs/ALERTS.md): each alert fires once per episode and resolves once, from facts alone.
@Suite struct AlertEpisodesTests {
    static let blog = try! AppName("blog")

    static func event(_ action: String, _ detail: String = "", app: AppName? = blog) -> AlertFact {
        .event(EventRecord(id: 1, at: 0, actor: "dokuend", app: app, action: action, detail: detail))
    }

    static func instance(_ state: String, restarts: Int, release: Int = 1, index: Int = 1) -> AlertFact {
        .instance(
            try! InstanceID(
                app: blog, type: try! ProcessType("web"), index: index, release: try! ReleaseID(number: release)),
            state: state, restarts: restarts)
    }

    /// What each fact did, as `fired KEY` / `resolved KEY`, in order.
    static func run(_ machine: inout AlertEpisodes, _ facts: [AlertFact], at now: Int64 = 1000) -> [String] {
        facts.flatMap { fact in
            machine.handle(fact, at: now).map { change in
                switch change {
                case .fired(let episode): "fired \(episode.key)"
                case .resolved(let episode, _): "resolved \(episode.key)"
                }
            }
        }
    }

    @Test func aDeployFailureFiresOnceAndResolvesAtTheNextSuccess() {
        var machine = AlertEpisodes()
        let changes = Self.run(
            &machine,
            [
                Self.event("deploy.fail", "deploy 3: no buildpack"), Self.event("deploy.fail", "deploy 4: again"),
                Self.event("deploy.start"), Self.event("deploy.succeed", "deploy 5: v2 is up"),
                Self.event("deploy.succeed", "deploy 6: v3 is up"),
            ])
        #expect(changes == ["fired deploy.failed:blog", "resolved deploy.failed:blog"])
        #expect(machine.open.isEmpty)
    }

    @Test func aCrashLoopFiresAtTheThirdExitInARowOrAtFatal() {
        var machine = AlertEpisodes()
        let loop = Self.run(
            &machine,
            [
                Self.instance("STARTING", restarts: 0), Self.instance("RUNNING", restarts: 0),
                Self.instance("STARTING", restarts: 1), Self.instance("BACKOFF", restarts: 2),
                Self.instance("STARTING", restarts: 2), Self.instance("BACKOFF", restarts: 3),
                Self.instance("BACKOFF", restarts: 4), Self.instance("FATAL", restarts: 10),
                Self.instance("STARTING", restarts: 10), Self.instance("RUNNING", restarts: 10),
                Self.instance("RUNNING", restarts: 10),
            ])
        #expect(loop == ["fired instance.crashloop:blog:web.1", "resolved instance.crashloop:blog:web.1"])

        // FATAL at once (e.g. first seen after a restart of dokuend), and a new release's instance of the same slot
        // running resolves it.
        var fatal = AlertEpisodes()
        #expect(
            Self.run(&fatal, [Self.instance("FATAL", restarts: 10), Self.instance("RUNNING", restarts: 0, release: 2)])
                == ["fired instance.crashloop:blog:web.1", "resolved instance.crashloop:blog:web.1"])

        // Two exits, then running: no alert.
        var brief = AlertEpisodes()
        #expect(
            Self.run(
                &brief,
                [
                    Self.instance("RUNNING", restarts: 0), Self.instance("STARTING", restarts: 1),
                    Self.instance("BACKOFF", restarts: 2), Self.instance("RUNNING", restarts: 2),
                    Self.instance("STARTING", restarts: 3), Self.instance("RUNNING", restarts: 3),
                ]
            ).isEmpty)
    }

    @Test func openEpisodesSurviveARestartOfTheMachine() {
        var machine = AlertEpisodes()
        _ = Self.run(&machine, [Self.instance("FATAL", restarts: 10)])
        // dokuend restarts: the open episodes come back from the store, the counters do not.
        var restarted = AlertEpisodes(open: Array(machine.open.values))
        #expect(Self.run(&restarted, [Self.instance("FATAL", restarts: 10)]).isEmpty)
        #expect(
            Self.run(&restarted, [Self.instance("RUNNING", restarts: 0, release: 2)]) == [
                "resolved instance.crashloop:blog:web.1"
            ])
    }

    @Test func livenessRestartsAboveTheRateFireAndAQuietWindowResolves() {
        var machine = AlertEpisodes()
        #expect(Self.run(&machine, [Self.event("instance.liveness", "web.1")], at: 100).isEmpty)
        #expect(Self.run(&machine, [Self.event("instance.liveness", "web.1")], at: 200).isEmpty)
        #expect(machine.nextDeadline == 200 + AlertEpisodes.livenessWindow)
        #expect(
            Self.run(&machine, [Self.event("instance.liveness", "web.1")], at: 300) == ["fired instance.liveness:blog"])
        #expect(Self.run(&machine, [Self.event("instance.liveness", "web.1")], at: 400).isEmpty)
        #expect(Self.run(&machine, [.tick], at: 900).isEmpty)
        #expect(Self.run(&machine, [.tick], at: 1000) == ["resolved instance.liveness:blog"])
        #expect(machine.nextDeadline == nil)
    }

    @Test func certificatesBackupsDiskAndAddons() {
        var machine = AlertEpisodes()
        let day: Int64 = 86_400
        let now: Int64 = 100 * day
        let facts: [AlertFact] = [
            Self.event("certs.failed", "lego: timeout"), Self.event("certs.failed", "lego: timeout"),
            Self.event("certs.renewed", "until …"),
            .certificate(app: Self.blog, notAfter: now + 30 * day), .certificate(app: Self.blog, notAfter: now + day),
            .certificate(app: Self.blog, notAfter: now + 2 * day),
            .certificate(app: Self.blog, notAfter: now + 90 * day),
            Self.event("backup.create", "failed: restic exited 1", app: nil),
            Self.event("backup.create", "skipped (schedule): busy", app: nil),
            Self.event("backup.create", "ok: snapshot 1a2b", app: nil),
            .backupAge(lastSuccess: now - 2 * day, allowedSeconds: day),
            .backupAge(lastSuccess: now, allowedSeconds: day),
            .backupAge(lastSuccess: nil, allowedSeconds: nil),
            .disk(path: "/", percentUsed: 91), .disk(path: "/", percentUsed: 88), .disk(path: "/", percentUsed: 85),
            .addon(name: "db", up: true), .addon(name: "db", up: false), .addon(name: "db", up: false),
            .addon(name: "db", up: true),
        ]
        #expect(
            Self.run(&machine, facts, at: now) == [
                "fired certs.failed:blog", "resolved certs.failed:blog", "fired certs.expiring:blog",
                "resolved certs.expiring:blog", "fired backup.failed", "resolved backup.failed", "fired backup.late",
                "resolved backup.late", "fired disk.full", "resolved disk.full", "fired addon.down:db",
                "resolved addon.down:db",
            ])
    }

    @Test func anAutoRollbackIsAnEpisodeUntilItIsDone() {
        var machine = AlertEpisodes()
        let changes = Self.run(
            &machine,
            [
                Self.event("release.auto_rollback", "v2: web.1 is FATAL (auto_rollback=30); rolling back to v1"),
                Self.event("release.auto_rollback", "v2 rolled back to v1 as v3"),
            ])
        #expect(changes == ["fired release.auto_rollback:blog", "resolved release.auto_rollback:blog"])
    }

    @Test func destroyingAnAppResolvesItsEpisodes() {
        var machine = AlertEpisodes()
        _ = Self.run(&machine, [Self.event("deploy.fail", "x"), Self.instance("FATAL", restarts: 10)])
        #expect(
            Self.run(&machine, [Self.event("app.destroy")]) == [
                "resolved deploy.failed:blog", "resolved instance.crashloop:blog:web.1",
            ])
    }
}
