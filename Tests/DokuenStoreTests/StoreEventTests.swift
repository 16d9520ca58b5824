import DokuenCore
import Testing

@testable import DokuenStore

/// The event log: every state change, who and when, newest first (docs/DESIGN.md invariant 6).
@Suite(.timeLimit(.minutes(2))) struct StoreEventTests {
    @Test func everyStateChangeAppendsExactlyOneEvent() async throws {
        try await withStore { store, _ in
            let blog = appName("blog")
            // Each step is a state change and the action it must log.
            let steps: [(String, () async throws -> Void)] = [
                ("app.create", { try await store.createApp(blog, actor: "alice") }),
                (
                    "build.create",
                    {
                        try await store.createBuild(
                            app: blog, stamp: stamp(0), buildpack: nil, commit: nil, processes: [:], actor: "alice")
                    }
                ),
                ("deploy.start", { try await store.startDeploy(app: blog, source: "git push", actor: "alice") }),
                (
                    "release.create",
                    {
                        try await store.createRelease(
                            app: blog, buildID: 1, env: [envKey("K"): "v"], formation: Formation(scales: []),
                            summary: "Deploy", actor: "alice")
                    }
                ),
                (
                    "deploy.succeed",
                    { try await store.finishDeploy(1, outcome: .succeeded(release: releaseID(1)), actor: "alice") }
                ),
                (
                    "formation.scale",
                    { try await store.setFormation(app: blog, try Formation.parse(["web=1"]), actor: "a") }
                ),
                ("formation.stop", { try await store.setStopped(app: blog, stopped: true, actor: "alice") }),
                ("formation.start", { try await store.setStopped(app: blog, stopped: false, actor: "alice") }),
                (
                    "port.lease",
                    {
                        try await store.leasePort(
                            app: blog, type: processType("web"), index: 1, release: releaseID(1), actor: "dokuend")
                    }
                ),
                ("port.release", { try await store.releasePort(5000, actor: "dokuend") }),
                ("domain.add", { try await store.addDomain("blog.example.com", app: blog, actor: "alice") }),
                ("domain.remove", { try await store.removeDomain("blog.example.com", actor: "alice") }),
                ("deploy.start", { try await store.startDeploy(app: blog, source: "git push", actor: "alice") }),
                ("deploy.fail", { try await store.finishDeploy(2, outcome: .failed(error: "boom"), actor: "alice") }),
                (
                    "build.create",
                    {
                        try await store.createBuild(
                            app: blog, stamp: stamp(1), buildpack: nil, commit: nil, processes: [:], actor: "alice")
                    }
                ),
                ("build.delete", { try await store.deleteBuild(app: blog, id: 2, actor: "alice") }),
                ("app.destroy", { try await store.destroyApp(blog, actor: "alice") }),
            ]
            for (action, step) in steps {
                let before = try await store.events(limit: 1_000).count
                try await step()
                let after = try await store.events(limit: 1_000)
                #expect(after.count == before + 1, "\(action)")
                #expect(after.first?.action == action)
                #expect(after.first?.app == blog && after.first?.at == testNow)
            }
        }
    }

    @Test func eventsComeNewestFirstFilteredByAppAndLimited() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            try await store.createApp(appName("api"), actor: "bob")
            let appended = try await store.appendEvent(
                actor: "dokuend", app: nil, action: "daemon.start", detail: "pid 7")
            #expect(
                appended
                    == EventRecord(
                        id: 3, at: testNow, actor: "dokuend", app: nil, action: "daemon.start", detail: "pid 7"))
            #expect(try await store.events().map(\.action) == ["daemon.start", "app.create", "app.create"])
            #expect(try await store.events(limit: 1) == [appended])
            #expect(try await store.events(app: appName("api")).map(\.actor) == ["bob"])
        }
    }

    @Test func anEventNeedsAnActor() async throws {
        try await withStore { store, _ in
            await #expect {
                try await store.appendEvent(actor: "", app: nil, action: "daemon.start")
            } throws: { error in
                guard case .sql(let failure) = error as? StoreError else { return false }
                return failure.extendedCode == SQLiteFailure.constraintCheck
            }
        }
    }
}
