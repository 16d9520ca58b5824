import DokuenCore
import Testing

@testable import DokuenStore

/// Per-type process settings (`dokuen ps set`) and per-slot stops (`dokuen stop blog:web.2`).
@Suite(.timeLimit(.minutes(2))) struct StoreProcessSettingsTests {
    let blog = appName("blog")
    let web = processType("web")
    let worker = processType("worker")

    @Test func settingsAreStoredCanonicalPerTypeAndLogged() async throws {
        try await withStore { store, _ in
            try await store.createApp(blog, actor: "alice")
            #expect(try await store.processSettings(app: blog, type: web) == ProcessSettings())
            let changed = try await store.changeProcessSettings(
                app: blog, type: web, set: [.stopTimeout: "2", .stopSignal: "sigint"], unset: [], actor: "alice")
            #expect(changed.explicitValues == ["stop_timeout": "2", "stop_signal": "INT"])
            #expect(try await store.processSettings(app: blog, type: web) == changed)
            #expect(try await store.processSettings(app: blog, type: worker) == ProcessSettings())
            #expect(try await store.processSettings(app: blog) == [web: changed])
            let event = try #require(try await store.events(app: blog, limit: 1).first)
            #expect(event.action == "settings.change" && event.actor == "alice")
            #expect(event.detail == "web: stop_signal=INT, stop_timeout=2")
        }
    }

    /// The limit keys fit the v2 schema's value shape (`-5`, `unlimited`, `1G`), so they need no migration.
    @Test func limitsAreStoredInTheirCanonicalTextAndReadBack() async throws {
        try await withStore { store, _ in
            try await store.createApp(blog, actor: "alice")
            let changed = try await store.changeProcessSettings(
                app: blog, type: worker,
                set: [.nice: "-5", .nofile: "unlimited", .core: "0", .memory: "1024M", .pids: "100"], unset: [],
                actor: "alice")
            #expect(
                changed.explicitValues == [
                    "nice": "-5", "nofile": "unlimited", "core": "0", "memory": "1G", "pids": "100",
                ])
            #expect(try await store.processSettings(app: blog, type: worker) == changed)
            #expect(
                try await store.events(app: blog, limit: 1).first?.detail
                    == "worker: nice=-5, nofile=unlimited, core=0, memory=1G, pids=100")
        }
    }

    @Test func unsetPutsAKeyBackToItsDefault() async throws {
        try await withStore { store, _ in
            try await store.createApp(blog, actor: "alice")
            try await store.changeProcessSettings(
                app: blog, type: web, set: [.stopTimeout: "2", .restart: "never"], unset: [], actor: "alice")
            let after = try await store.changeProcessSettings(
                app: blog, type: web, set: [.restart: "on-failure"], unset: [.stopTimeout], actor: "bob")
            #expect(after.explicitValues == ["restart": "on-failure"])
            #expect(try await store.processSettings(app: blog, type: web).stopTimeout == 30)
            #expect(
                try await store.events(app: blog, limit: 1).first?.detail
                    == "web: restart=on-failure, unset stop_timeout")
        }
    }

    @Test func aBadValueChangesNothing() async throws {
        try await withStore { store, _ in
            try await store.createApp(blog, actor: "alice")
            try await store.changeProcessSettings(app: blog, type: web, set: [.stopTimeout: "2"], unset: [], actor: "a")
            let events = try await store.events(app: blog).count
            await #expect(throws: StoreError.self) {
                try await store.changeProcessSettings(
                    app: blog, type: web, set: [.restart: "never", .stopTimeout: "abc"], unset: [], actor: "a")
            }
            await #expect(throws: StoreError.self) {
                try await store.changeProcessSettings(
                    app: blog, type: web, set: [.restart: "never"], unset: [.restart], actor: "a")
            }
            #expect(try await store.processSettings(app: blog, type: web).explicitValues == ["stop_timeout": "2"])
            #expect(try await store.events(app: blog).count == events)
        }
    }

    @Test func settingsOfAnUnknownAppFail() async throws {
        try await withStore { store, _ in
            await #expect(throws: StoreError.appNotFound(blog)) {
                try await store.processSettings(app: blog, type: web)
            }
        }
    }

    @Test func destroyingTheAppDropsItsSettingsAndStoppedSlots() async throws {
        try await withStore { store, path in
            try await makeFormation(store, "web=3")
            try await store.changeProcessSettings(app: blog, type: web, set: [.restart: "never"], unset: [], actor: "a")
            try await store.setStopped(app: blog, type: web, index: 2, stopped: true, actor: "a")
            try await store.destroyApp(blog, actor: "alice")
            try withRawDatabase(path) { (database) throws in
                #expect(try scalar(database, "SELECT count(*) FROM process_settings") == .integer(0))
                #expect(try scalar(database, "SELECT count(*) FROM stopped_slots") == .integer(0))
            }
        }
    }

    @Test func theSchemaRefusesMalformedRows() async throws {
        try await withStore { store, path in
            try await store.createApp(blog, actor: "alice")
            try withRawDatabase(path) { (database) throws in
                for sql in [
                    "INSERT INTO process_settings VALUES (1, 'we/b', 'restart', 'never')",
                    "INSERT INTO process_settings VALUES (1, 'web', 'Restart', 'never')",
                    "INSERT INTO process_settings VALUES (1, 'web', '_restart', 'never')",
                    "INSERT INTO process_settings VALUES (1, 'web', 'restart', '')",
                    "INSERT INTO process_settings VALUES (1, 'web', 'restart', 'nev er')",
                    "INSERT INTO stopped_slots VALUES (1, 'web', 0)",
                    "INSERT INTO stopped_slots VALUES (1, 'web', 101)",
                ] {
                    #expect(
                        sqliteFailure { try database.run(sql) }?.extendedCode == SQLiteFailure.constraintCheck, "\(sql)"
                    )
                }
            }
        }
    }

    // MARK: - Stopped slots

    /// The app blog with this formation.
    func makeFormation(_ store: Store, _ formation: String...) async throws {
        try await store.createApp(blog, actor: "alice")
        try await store.setFormation(app: blog, try Formation.parse(formation), actor: "alice")
    }

    @Test func stoppingASlotStopsOnlyItAndScalingKeepsIt() async throws {
        try await withStore { store, _ in
            try await makeFormation(store, "web=3", "worker=1")
            try await store.setStopped(app: blog, type: web, index: 2, stopped: true, actor: "alice")
            var records = try await store.formation(app: blog)
            #expect(records.map(\.stoppedIndexes) == [[2], []])
            #expect(records.map(\.runningCount) == [2, 1])
            #expect(
                try await store.events(app: blog, limit: 1).map { "\($0.action) \($0.detail)" } == [
                    "formation.stop web.2"
                ])

            try await store.setFormation(app: blog, try Formation.parse(["web=1"]), actor: "alice")
            records = try await store.formation(app: blog)
            #expect(records[0].stoppedIndexes == [2] && records[0].runningCount == 1, "above the count: no effect")
            try await store.setFormation(app: blog, try Formation.parse(["web=4"]), actor: "alice")
            #expect(try await store.formation(app: blog)[0].runningCount == 3, "scaled back up, web.2 stays stopped")
        }
    }

    @Test func startingTheSlotItsTypeOrItsAppClearsTheSlotStop() async throws {
        try await withStore { store, _ in
            try await makeFormation(store, "web=3", "worker=2")
            func stopSome() async throws {
                try await store.setStopped(app: blog, type: web, index: 2, stopped: true, actor: "a")
                try await store.setStopped(app: blog, type: web, index: 3, stopped: true, actor: "a")
                try await store.setStopped(app: blog, type: worker, index: 1, stopped: true, actor: "a")
            }
            try await stopSome()
            try await store.setStopped(app: blog, type: web, index: 2, stopped: false, actor: "a")
            #expect(try await store.formation(app: blog).map(\.stoppedIndexes) == [[3], [1]])
            #expect(try await store.events(app: blog, limit: 1).first?.detail == "web.2")

            try await store.setStopped(app: blog, type: web, stopped: false, actor: "a")
            #expect(try await store.formation(app: blog).map(\.stoppedIndexes) == [[], [1]])

            try await stopSome()
            try await store.setStopped(app: blog, stopped: false, actor: "a")
            #expect(try await store.formation(app: blog).map(\.stoppedIndexes) == [[], []])
            #expect(try await store.formation(app: blog).map(\.runningCount) == [3, 2])
        }
    }

    @Test func startingOneSlotOfAStoppedTypeStartsOnlyThatSlot() async throws {
        try await withStore { store, _ in
            try await makeFormation(store, "web=3", "worker=1")
            try await store.setStopped(app: blog, stopped: true, actor: "a")
            try await store.setStopped(app: blog, type: web, index: 2, stopped: false, actor: "a")
            let records = try await store.formation(app: blog)
            #expect(
                records == [
                    FormationRecord(app: blog, type: web, count: 3, stopped: false, stoppedIndexes: [1, 3]),
                    FormationRecord(app: blog, type: worker, count: 1, stopped: true),
                ])
            #expect(records.map(\.runningCount) == [1, 0])
        }
    }

    @Test func stoppingASlotTwiceIsHarmlessAndStartingARunningSlotChangesNothing() async throws {
        try await withStore { store, _ in
            try await makeFormation(store, "web=1", "worker=1")
            try await store.setStopped(app: blog, type: web, index: 1, stopped: true, actor: "a")
            try await store.setStopped(app: blog, type: web, index: 1, stopped: true, actor: "a")
            #expect(try await store.formation(app: blog)[0].stoppedIndexes == [1])
            try await store.setStopped(app: blog, type: worker, index: 1, stopped: false, actor: "a")
            #expect(
                try await store.formation(app: blog)[1]
                    == FormationRecord(app: blog, type: worker, count: 1, stopped: false))
        }
    }

    @Test func aSlotOutsideTheFormationIsRefused() async throws {
        try await withStore { store, _ in
            try await makeFormation(store, "web=1", "worker=1")
            await #expect(throws: StoreError.formationNotFound(app: blog, processType("clock"))) {
                try await store.setStopped(app: blog, type: processType("clock"), index: 1, stopped: true, actor: "a")
            }
            await #expect(throws: StoreError.core(.invalidTarget("blog:web.2", reason: "blog runs 1 web instances"))) {
                try await store.setStopped(app: blog, type: web, index: 2, stopped: true, actor: "a")
            }
            await #expect(throws: StoreError.self) {
                try await store.setStopped(app: blog, type: web, index: 0, stopped: true, actor: "a")
            }
            await #expect(throws: StoreError.self) {
                try await store.setStopped(app: blog, type: web, index: 101, stopped: false, actor: "a")
            }
            #expect(try await store.formation(app: blog).allSatisfy { $0.stoppedIndexes.isEmpty })
        }
    }
}
