import DokuenCore
import DokuenStore
import Testing

/// Cron's history and suspensions in the store (docs/CRON.md): runs pruned to the newest per job, suspensions of a
/// job or of every job, each change with one event, refused for an unknown app.
@Suite(.timeLimit(.minutes(1)))
struct StoreCronTests {
    @Test func runsArePrunedToTheNewestPerJob() async throws {
        try await withStore { store, _ in
            let app = try AppName("cron-store")
            _ = try await store.createApp(app, actor: "test")
            for index in 0..<(Store.cronRunsKept + 5) {
                let id = try await store.startCronRun(
                    app: app, job: "0000000a", trigger: .schedule, startedAt: Int64(1000 + index))
                try await store.finishCronRun(id: id, durationMilliseconds: 5, exitCode: Int64(index % 2), signal: nil)
            }
            try await store.startCronRun(app: app, job: "0000000b", trigger: .run, startedAt: 5000)
            let runs = try await store.cronRuns(app: app, limit: 1000)
            #expect(runs.filter { $0.job == "0000000a" }.count == Store.cronRunsKept)
            #expect(runs.first { $0.job == "0000000a" }?.startedAt == Int64(1000 + Store.cronRunsKept + 4))
            // The run in progress has no end yet.
            #expect(
                runs.first { $0.job == "0000000b" }.map { $0.exitCode == nil && $0.durationMilliseconds == nil } == true
            )
            #expect(try await store.cronRuns(app: app, job: "0000000b").count == 1)
        }
    }

    @Test func suspensionsChangeOnceWithAnEvent() async throws {
        try await withStore { store, _ in
            let app = try AppName("cron-store")
            _ = try await store.createApp(app, actor: "test")
            #expect(try await store.setCronSuspended(app: app, job: "0000000a", suspended: true, actor: "alice"))
            #expect(
                try await store.setCronSuspended(app: app, job: "0000000a", suspended: true, actor: "alice") == false)
            #expect(try await store.setCronSuspended(app: app, job: nil, suspended: true, actor: "alice"))
            #expect(try await store.cronSuspensions(app: app) == ["*", "0000000a"])
            #expect(try await store.setCronSuspended(app: app, job: nil, suspended: false, actor: "alice"))
            #expect(try await store.cronSuspensions(app: app).isEmpty)
            let events = try await store.events(app: app, limit: 10).filter { $0.action.hasPrefix("cron.") }
            #expect(events.map(\.detail) == ["every job", "every job", "job 0000000a (no change)", "job 0000000a"])
            await #expect(throws: StoreError.self) {
                try await store.setCronSuspended(app: AppName("cron-none"), job: nil, suspended: true, actor: "alice")
            }
        }
    }
}
