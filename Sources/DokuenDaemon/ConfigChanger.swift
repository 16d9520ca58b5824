import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore

/// A config change (DESIGN.md §2): every key and value is checked before anything is written; the envdir is
/// replaced as a whole; then, unless asked not to, a new release of the current build carries the new env and the
/// reconciler cuts over to it like a deploy. Keys go into the event log, values never.
struct ConfigChanger: Sendable {
    let layout: RootLayout
    let store: Store
    let supervisor: InstanceSupervisor

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
            throw APIFailure(status: .badRequest, message: "nothing to change: give KEY=VALUE pairs or keys to unset")
        }
        let paths = layout.app(app)
        try Posix.mkdir(paths.directory, existingOK: true)
        let env = try EnvDirectory(path: paths.env).update(set: set, unset: unset)

        let changed =
            (set.keys.map(\.rawValue).sorted().map { "set \($0)" })
            + unset.map(\.rawValue).sorted().map { "unset \($0)" }
        try await store.appendEvent(
            actor: actor, app: app, action: "config.change", detail: changed.joined(separator: ", "))

        var release: ReleaseID?
        if change.restart, let current = try await store.latestRelease(app: app) {
            let formation = Formation(
                scales: try await store.formation(app: app).map { Formation.Scale(type: $0.type, count: $0.count) })
            release = try await store.createRelease(
                app: app, buildID: current.buildID, env: env, formation: formation,
                summary: "Config: " + changed.joined(separator: ", "), actor: actor)
            try await supervisor.reconcile()
        }
        return ConfigChangeResult(keys: env.keys.map(\.rawValue).sorted(), release: release?.description)
    }
}
