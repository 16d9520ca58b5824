import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore

/// A config change (docs/DESIGN.md §2): every key and value is checked before anything is written; the envdir is
/// replaced as a whole; then, unless asked not to, a new release of the current build carries the new env and is
/// cut over to like a deploy (under the same per-app deploy lock). When its instances fail to start, the envdir
/// is put back, so the config always matches what serves. Keys go into the event log, values never.
///
/// `DOKUEN_SCALE` (Dokuen 2012's convention, e.g. `web=1 worker=2`, `Formation.parse`'s syntax with spaces or
/// commas) acts as a `ps scale` when it is set, for every client: an invalid value, or a type the latest release
/// does not have, refuses the whole change. Without a release it is kept for the first deploy like an early
/// `ps scale`; with one, the new release starts at the new counts (or, with `restart` off, the app is scaled at
/// once). Whichever of `DOKUEN_SCALE` and `ps scale` came last wins; unsetting it changes no count
/// (docs/DESIGN.md §2, Formation).
struct ConfigChanger: Sendable {
    let layout: RootLayout
    let store: Store
    let cutover: Cutover

    func apply(_ change: ConfigChange, to app: AppName, actor: String) async throws -> ConfigChangeResult {
        guard try await store.app(named: app) != nil else { throw StoreError.appNotFound(app) }
        var set: [EnvKey: String] = [:]
        for (key, value) in change.set {
            let envKey = try EnvKey(key)
            try EnvDir.validate(value, for: envKey)
            set[envKey] = value
        }
        let unset = try change.unset.map { try EnvKey($0) }
        guard !set.isEmpty || !unset.isEmpty else {
            throw APIError(.invalid, "nothing to change: give KEY=VALUE pairs or keys to unset")
        }
        var scale: Formation?
        if let text = set[Self.scaleKey] { scale = try await scaleOf(text, app: app) }
        let paths = layout.app(app)
        try Posix.mkdir(paths.directory, existingOK: true)
        let changed =
            (set.keys.map(\.rawValue).sorted().map { "set \($0)" })
            + unset.map(\.rawValue).sorted().map { "unset \($0)" }
        let summary = "Config: " + changed.joined(separator: ", ")
        let released = change.restart ? try await store.latestRelease(app: app) != nil : false
        guard released else {
            let (store, cutover, set, scale) = (store, cutover, set, scale)
            let write = { @Sendable () async throws -> ConfigChangeResult in
                let env = try EnvDirectory(path: paths.env).update(set: set, unset: unset)
                try await store.appendEvent(
                    actor: actor, app: app, action: "config.change", detail: changed.joined(separator: ", "))
                if let scale {
                    try await APIServer.scale(
                        app, to: scale, actor: actor, store: store, supervisor: cutover.supervisor, cutover: cutover)
                }
                return ConfigChangeResult(keys: env.keys.map(\.rawValue).sorted(), release: nil)
            }
            // Without a restart the envdir changes at once: a deploy reads it when its build ends. With one but no
            // release yet, a first deploy may be building: the change waits for it, so that the release it makes
            // is not half-way between two configs (and then, with a release, goes out as one of its own).
            guard change.restart else { return try await write() }
            let outcome = try await cutover.queue.exclusive(app, progress: { _ in }) {
                () async throws -> ConfigChangeResult? in
                try await store.latestRelease(app: app) == nil ? try await write() : nil
            }
            if let outcome { return outcome }
            return try await apply(change, to: app, actor: actor)
        }

        // A release: serialized with deploys (it waits behind one in progress, and then changes what that one
        // released: docs/DESIGN.md §2, "Verbs during a deploy"), and undone as a whole when it fails.
        let (deploy, _, output) = try await cutover.queue.start(
            app, source: "config", actor: actor, progress: { _ in })
        let directory = EnvDirectory(path: paths.env)
        let before: [EnvKey: String]
        do { before = try directory.dictionary() } catch {
            _ = try? await cutover.queue.finish(deploy.id, app: app, outcome: .failed(error: "\(error)"), actor: actor)
            throw error
        }
        do {
            guard let current = try await store.latestRelease(app: app) else {
                throw DaemonError.deployFailed(app: app.rawValue, reason: "its releases are gone (apps destroy?)")
            }
            let env = try directory.update(set: set, unset: unset)
            try await store.appendEvent(
                actor: actor, app: app, action: "config.change", detail: changed.joined(separator: ", "))
            // The new release runs at DOKUEN_SCALE's counts; recorded as the formation once it is up.
            let stored = try await store.formation(app: app)
            let formation = Formation(
                scales: stored.map { Formation.Scale(type: $0.type, count: scale?[$0.type] ?? $0.count) }
                    + (scale?.scales ?? []).filter { wanted in !stored.contains { $0.type == wanted.type } })
            let build = try await store.build(app: app, id: current.buildID)
            let input = CutoverInput(
                build: build, env: env, formation: formation, summary: summary,
                followsStored: Set(stored.map(\.type)).subtracting(scale?.scales.map(\.type) ?? [])
                    .intersection(build.processes.keys))
            let release = try await cutover.run(
                app, deploy: deploy.id, source: .existing(input), actor: actor, progress: output.keeping { _ in })
            try await cutover.queue.finish(deploy.id, app: app, outcome: .succeeded(release: release), actor: actor)
            return ConfigChangeResult(keys: env.keys.map(\.rawValue).sorted(), release: release.description)
        } catch {
            let added = Set(try directory.dictionary().keys).subtracting(before.keys)
            _ = try? directory.update(set: before, unset: Array(added))
            try? await store.appendEvent(
                actor: actor, app: app, action: "config.revert",
                detail: "\(changed.joined(separator: ", ")) put back: the new release did not start")
            _ = try? await cutover.queue.finish(deploy.id, app: app, outcome: .failed(error: "\(error)"), actor: actor)
            throw DaemonError.configReverted(app: app.rawValue, reason: "\(error)")
        }
    }

    /// The name of the config key that scales the app.
    static let scaleKey = try! EnvKey("DOKUEN_SCALE")

    /// The formation `DOKUEN_SCALE`'s value asks for, or 400 naming DOKUEN_SCALE.
    private func scaleOf(_ text: String, app: AppName) async throws -> Formation {
        func refusal(_ reason: String) -> APIError {
            APIError(.invalid, "invalid \(Self.scaleKey) \(Quoting.quoted(text)): \(reason)")
        }
        // Spaces, commas or both between pairs, as the 2012 convention wrote them.
        let words = text.split(whereSeparator: { " \t\n,".contains($0) }).map(String.init)
        let formation: Formation
        do throws(CoreError) { formation = try Formation.parse(words) } catch {
            guard case .invalidFormation(let item, let reason) = error else { throw refusal("\(error)") }
            throw refusal(item.isEmpty || item == text ? reason : "\(Quoting.quoted(item)): \(reason)")
        }
        try await APIServer.checkScalable(formation, app: app, store: store, refusal: refusal)
        return formation
    }
}
