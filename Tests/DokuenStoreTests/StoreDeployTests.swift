import DokuenCore
import Testing

@testable import DokuenStore

/// Deploys: one running per app, finished exactly once, kept whatever their end.
@Suite(.timeLimit(.minutes(2))) struct StoreDeployTests {
    @Test func aSucceededDeployNamesItsBuildAndRelease() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            let started = try await store.startDeploy(app: appName("blog"), source: "git push 1a2b3c4", actor: "alice")
            #expect(started.state == .running && started.finishedAt == nil && started.startedBy == "alice")
            #expect(try await store.runningDeploys() == [started])
            let build = try await store.createBuild(
                app: appName("blog"), stamp: stamp(0), buildpack: nil, commit: "1a2b3c4", processes: [:], actor: "alice"
            )
            let release = try await store.createRelease(
                app: appName("blog"), buildID: build.id, env: [:], formation: Formation(scales: []), summary: "Deploy",
                actor: "alice")
            let finished = try await store.finishDeploy(
                started.id, outcome: .succeeded(release: release), buildID: build.id, actor: "alice")
            #expect(finished.state == .succeeded && finished.release == release && finished.buildID == build.id)
            #expect(finished.finishedAt == testNow && finished.error == nil)
            #expect(try await store.runningDeploys().isEmpty)
            await #expect(throws: StoreError.deployFinished(started.id)) {
                try await store.finishDeploy(started.id, outcome: .failed(error: "late"), actor: "alice")
            }
        }
    }

    @Test func aFailedDeployKeepsItsErrorAndMakesNoRelease() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            let started = try await store.startDeploy(app: appName("blog"), source: "git push 1a2b3c4", actor: "alice")
            let failed = try await store.finishDeploy(
                started.id, outcome: .failed(error: "compile exited 1"), actor: "alice")
            #expect(failed.state == .failed && failed.error == "compile exited 1" && failed.release == nil)
            #expect(try await store.latestRelease(app: appName("blog")) == nil)
            #expect(try await store.events(limit: 1).first?.detail == "deploy \(started.id): compile exited 1")
        }
    }

    @Test func deploysOfOneAppAreSerialized() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            try await store.createApp(appName("api"), actor: "alice")
            let first = try await store.startDeploy(app: appName("blog"), source: "git push a", actor: "alice")
            await #expect(throws: StoreError.deployInProgress(app: appName("blog"), id: first.id)) {
                try await store.startDeploy(app: appName("blog"), source: "git push b", actor: "bob")
            }
            let other = try await store.startDeploy(app: appName("api"), source: "git push c", actor: "bob")
            #expect(try await store.runningDeploys().map(\.id) == [first.id, other.id])
            try await store.finishDeploy(first.id, outcome: .failed(error: "x"), actor: "alice")
            let next = try await store.startDeploy(app: appName("blog"), source: "git push b", actor: "bob")
            #expect(try await store.deploys(app: appName("blog")).map(\.id) == [next.id, first.id])
        }
    }

    @Test func finishingWithAnotherAppsReleaseOrBuildIsRefused() async throws {
        try await withStore { store, _ in
            let otherBuild = try await makeReleasedApp(store, "other")
            try await store.createApp(appName("blog"), actor: "alice")
            let deploy = try await store.startDeploy(app: appName("blog"), source: "git push a", actor: "alice")
            await #expect(throws: StoreError.releaseNotFound(app: appName("blog"), releaseID(1))) {
                try await store.finishDeploy(deploy.id, outcome: .succeeded(release: releaseID(1)), actor: "alice")
            }
            await #expect(throws: StoreError.buildNotFound(app: appName("blog"), id: otherBuild.id)) {
                try await store.finishDeploy(
                    deploy.id, outcome: .failed(error: "x"), buildID: otherBuild.id, actor: "a")
            }
            await #expect(throws: StoreError.deployNotFound(999)) { try await store.deploy(999) }
            #expect(try await store.deploy(deploy.id).state == .running)
        }
    }

    @Test func aRunningDeployRecordsItsPhaseAndKeepsWhatItLearnt() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            let deploy = try await store.startDeploy(app: appName("blog"), source: "git push a", actor: "alice")
            #expect(deploy.phase == nil && deploy.buildStamp == nil && deploy.candidate == nil)
            let stamp = try BuildStamp("20250101T000000.000000Z")
            try await store.recordPhase(deploy.id, "building", buildStamp: stamp)
            try await store.recordPhase(deploy.id, "starting", candidate: releaseID(4))
            let read = try await store.deploy(deploy.id)
            #expect(read.phase == "starting" && read.buildStamp == stamp && read.candidate == releaseID(4))
            await #expect(throws: StoreError.self) { try await store.recordPhase(deploy.id, "sleeping") }
            try await store.finishDeploy(deploy.id, outcome: .failed(error: "x"), actor: "alice")
            await #expect(throws: StoreError.deployFinished(deploy.id)) {
                try await store.recordPhase(deploy.id, "withdrawn")
            }
        }
    }
}
