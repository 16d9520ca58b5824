import DokuenCore
import DokuenPosix
import DokuenStore

extension Cutover {
    /// A new release made from `target`'s build and env snapshot (default: the release before the current one),
    /// with no rebuild, cut over like a deploy under the app's deploy lock. The app's envdir takes the snapshot
    /// too, so `config` shows what serves; it is put back when the new release does not come up. Returns the new
    /// release and the one it came from.
    public func rollback(
        _ app: AppName, to target: ReleaseID?, actor: String, onlyFrom current: ReleaseID? = nil
    ) async throws -> (ReleaseID, ReleaseID) {
        // Checked at once for a quick answer, and again once it is its turn: behind a deploy in progress
        // (docs/DESIGN.md §2, "Verbs during a deploy"), "the release before" is the one before what that deploy made.
        _ = try await self.source(app, target)
        let (deploy, _, output) = try await queue.start(
            app, source: target.map { "rollback to \($0)" } ?? "rollback", actor: actor, progress: { _ in })
        let source: ReleaseRecord
        do {
            // An auto-rollback that waited behind a deploy goes back only if what it watched is still current.
            if let current, let latest = try await store.latestRelease(app: app), latest.id != current {
                throw DaemonError.rollbackRefused(
                    app: app.rawValue, reason: "\(current) is no longer the current release (\(latest.id) is)")
            }
            source = try await self.source(app, target)
        } catch {
            _ = try? await queue.finish(deploy.id, app: app, outcome: .failed(error: "\(error)"), actor: actor)
            throw error
        }
        let directory = EnvDirectory(path: layout.app(app).env)
        let before: [EnvKey: String]
        do { before = try directory.dictionary() } catch {
            _ = try? await queue.finish(deploy.id, app: app, outcome: .failed(error: "\(error)"), actor: actor)
            throw error
        }
        do {
            let build = try await store.build(app: app, id: source.buildID)
            // Types keep their current counts; a type only the old build has gets the count it had then.
            let counts = Dictionary(
                uniqueKeysWithValues: try await store.formation(app: app).map { ($0.type, $0.count) })
            let old = Dictionary(uniqueKeysWithValues: source.formation.scales.map { ($0.type, $0.count) })
            var scales = build.processes.keys.sorted().map {
                Formation.Scale(type: $0, count: counts[$0] ?? old[$0] ?? 1)
            }
            for type in counts.keys where build.processes[type] == nil {
                scales.append(Formation.Scale(type: type, count: 0))
            }
            _ = try directory.update(
                set: source.env, unset: Array(Set(before.keys).subtracting(source.env.keys)))
            let input = CutoverInput(
                build: build, env: source.env, formation: Formation(scales: scales),
                summary: "\(Self.rollbackSummary)\(source.id)",
                followsStored: Set(counts.keys).intersection(build.processes.keys))
            let release = try await run(
                app, deploy: deploy.id, source: .existing(input), actor: actor, progress: output.keeping { _ in })
            try await queue.finish(deploy.id, app: app, outcome: .succeeded(release: release), actor: actor)
            return (release, source.id)
        } catch {
            let now = (try? directory.dictionary()) ?? [:]
            _ = try? directory.update(set: before, unset: Array(Set(now.keys).subtracting(before.keys)))
            _ = try? await queue.finish(deploy.id, app: app, outcome: .failed(error: "\(error)"), actor: actor)
            throw error
        }
    }

    /// The release a rollback of `app` goes back to: `target`, or the one before the current release.
    /// The start of a rollback release's summary (`Rollback to v3`).
    static let rollbackSummary = "Rollback to "

    private func source(_ app: AppName, _ target: ReleaseID?) async throws -> ReleaseRecord {
        let releases = try await store.releases(app: app)
        guard let current = releases.first else {
            throw DaemonError.rollbackRefused(app: app.rawValue, reason: "it has no release yet")
        }
        let source: ReleaseRecord
        if let target {
            guard let found = releases.first(where: { $0.id == target }) else {
                let kept = releases.map(\.id.description).joined(separator: ", ")
                throw DaemonError.rollbackRefused(
                    app: app.rawValue, reason: "it has no release \(target) (it keeps \(kept))")
            }
            source = found
        } else {
            guard releases.count > 1 else {
                throw DaemonError.rollbackRefused(app: app.rawValue, reason: "\(current.id) is its only release")
            }
            source = releases[1]
        }
        guard source.id != current.id else {
            throw DaemonError.rollbackRefused(app: app.rawValue, reason: "\(source.id) is the current release")
        }
        // A release restored without its build (docs/BACKUP.md: a restore rebuilds only the current release) has a
        // record and no directory: its instances could not start. Refused, with the way back to that code.
        let build = try await store.build(app: app, id: source.buildID)
        guard Posix.isDirectory(layout.app(app).build(build.stamp)) else {
            let redeploy =
                build.commit.map { "deploy its commit again (git push a branch at \($0.prefix(12)))" }
                ?? "deploy its source again"
            throw DaemonError.rollbackRefused(
                app: app.rawValue,
                reason: "the build of \(source.id) (releases/\(build.stamp)) is not on disk (a restore without "
                    + "builds rebuilds only the current release); \(redeploy)")
        }
        return source
    }
}
