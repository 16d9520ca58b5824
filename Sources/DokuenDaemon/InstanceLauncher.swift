import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore
import DokuenSupervision

/// Starts and removes instances: the run spec of each (its build, environment, user and settings), its port lease,
/// and the spawn of its shim (`ShimStarter`). It decides nothing: the reconcile loop says which instance, and with
/// which build, env and formation.
struct InstanceLauncher: Sendable {
    let layout: RootLayout
    let store: Store
    let shimPath: String
    /// Each app's user when dokuend is root (docs/ISOLATION.md), and the owners of its files.
    let accounts: AppAccounts
    /// The ports instances lease from (`dokuend --ports`, 5000–5999 unless set).
    let portRange: ClosedRange<Int>

    /// What an instance starts with: its release's build, env and formation, or the candidate's during a cutover.
    struct Spec: Sendable {
        var build: BuildRecord
        var env: [EnvKey: String]
        var formation: Formation
        /// The release's metadata for its instances' environment.
        var release: InstanceEnvironment.Release
    }

    /// What the starts of one pass read once rather than per instance: the ports other programs listen on (a shim
    /// started in the pass is not listening yet), the apps whose user and owners are checked, each release's spec,
    /// each app's port leases and `ps set` settings, and each build's app.json settings.
    struct Facts {
        var busyPorts: Set<Int>?
        var secured: [AppName: ChildProcess.Credentials?] = [:]
        /// By "APP@vN".
        var specs: [String: Spec] = [:]
        /// The ports `prepare` leased, by instance.
        var leased: [InstanceID: Int] = [:]
        /// Each app's leases, read once `prepare` leased (nil again after a lease taken one by one).
        var leases: [AppName: [PortLease]] = [:]
        var settings: [AppName: [ProcessType: ProcessSettings]] = [:]
        /// app.json's per-type settings, by build directory; nil when it does not read.
        var manifests: [String: [ProcessType: ProcessSettings]?] = [:]

        mutating func ports() -> Set<Int> {
            if let busyPorts { return busyPorts }
            let ports = Posix.listeningTCPPorts()
            busyPorts = ports
            return ports
        }
    }

    /// Leases the ports of a pass's starts in one transaction per app, in the order given (`Store.leasePorts`);
    /// `launch` then finds them in `facts`. A batch that cannot be leased is left to each start, which then says
    /// why on its own.
    func prepare(_ starts: [(id: InstanceID, spec: Spec)], _ facts: inout Facts) async {
        var apps: [AppName] = []
        var byApp: [AppName: [InstanceID]] = [:]
        for (id, spec) in starts where spec.build.processes[id.type] != nil && facts.leased[id] == nil {
            if byApp[id.app] == nil { apps.append(id.app) }
            byApp[id.app, default: []].append(id)
        }
        for app in apps {
            let ids = byApp[app] ?? []
            guard
                let leases = try? await store.leasePorts(
                    app: app, ids.map { ($0.type, $0.index, $0.release) }, range: portRange, busy: facts.ports(),
                    actor: "dokuend")
            else { continue }
            for (id, lease) in zip(ids, leases) { facts.leased[id] = lease.port }
            facts.leases[app] = nil
        }
    }

    /// Prepares `id`'s start and spawns its shim without waiting for it: a pass spawns every instance it starts,
    /// then waits for them all (`ShimStarter`), so a fleet starts in about the time of one. Nil when the build has
    /// no such process type.
    func launch(_ id: InstanceID, _ spec: Spec, _ facts: inout Facts) async throws -> ShimStarter? {
        // The app's user, made if an app of the shared-user layout has none yet, and its files' owners: once per app
        // in a pass.
        let credentials: ChildProcess.Credentials?
        if let known = facts.secured[id.app] {
            credentials = known
        } else {
            credentials = try await accounts.credentials(id.app)
            try accounts.secure(id.app, credentials)
            facts.secured[id.app] = credentials
        }
        let build = spec.build
        guard let command = build.processes[id.type] else { return nil }
        let paths = layout.app(id.app)
        let port: Int
        if let leased = facts.leased[id] {
            port = leased
        } else {
            port =
                try await store.leasePort(
                    app: id.app, type: id.type, index: id.index, release: id.release, range: portRange,
                    busy: facts.ports(), actor: "dokuend"
                ).port
            facts.leases[id.app] = nil
        }
        var singles: [ProcessType: Int] = [:]
        let single = spec.formation.scales.filter { $0.count == 1 }
        if !single.isEmpty {
            let leases: [PortLease]
            if let known = facts.leases[id.app] {
                leases = known
            } else {
                leases = try await store.portLeases(app: id.app)
                facts.leases[id.app] = leases
            }
            for scale in single {
                singles[scale.type] =
                    leases.first { $0.type == scale.type && $0.index == 1 && $0.release == id.release }?.port
            }
        }
        try Posix.mkdir(layout.serviceDirectory + "/" + id.app.rawValue, existingOK: true)
        let environment = InstanceEnvironment.make(
            instance: id, port: port, buildDirectory: paths.build(build.stamp), dataDirectory: paths.data,
            buildpackDefaults: Dictionary(uniqueKeysWithValues: build.configVars.map { ($0.key.rawValue, $0.value) }),
            appEnvironment: spec.env, singleInstancePorts: singles, release: spec.release)

        var options = ShimOptions()
        options.directory = layout.serviceDirectory(id)
        options.logPath = paths.log(id.type, index: id.index)
        // `dokuen logs` merges an app's instances in time order by these stamps.
        options.logTimestamps = true
        options.workingDirectory = paths.build(build.stamp)
        options.run(as: credentials)
        options.eventsSocket = layout.eventsSocket
        options.command = ProcessCommand.procfile(command)
        // app.json's `dokuen` section, then `ps set` over it key by key (docs/ISOLATION.md). The build is frozen
        // and its app.json was checked at deploy; one that no longer reads gives no settings.
        let buildDirectory = paths.build(build.stamp)
        if facts.manifests[buildDirectory] == nil {
            facts.manifests[buildDirectory] = .some((try? AppManifest.load(buildDirectory: buildDirectory))?.settings)
        }
        let fromBuild = facts.manifests[buildDirectory]??[id.type] ?? ProcessSettings()
        if facts.settings[id.app] == nil { facts.settings[id.app] = try await store.processSettings(app: id.app) }
        options.apply(fromBuild.overlaid(by: facts.settings[id.app]?[id.type] ?? ProcessSettings()), port: port)
        return try ShimStarter(shimPath, options, environment: environment, name: id.description)
    }

    /// Removes `id`'s service directory and gives its port back. The instances of a destroyed app are removed
    /// after its record, whose leases went with it; the last one takes `run/svc/APP` too. (Only then: an app that
    /// exists may be starting an instance in it.)
    func remove(_ id: InstanceID) async throws {
        try Posix.removeTree(layout.serviceDirectory(id))
        guard try await store.app(named: id.app) != nil else {
            try? Posix.rmdir(layout.serviceDirectory + "/" + id.app.rawValue)  // ENOTEMPTY while others remain
            return
        }
        for lease in try await store.portLeases(app: id.app)
        where lease.type == id.type && lease.index == id.index && lease.release == id.release {
            try await store.releasePort(lease.port, actor: "dokuend")
        }
    }

    /// Where a one-off process of `app`'s current release runs (`dokuen run`, a cron job), with which environment
    /// (`DYNO=run.1`, no port) and as whom (nil: as the caller).
    func oneOff(for app: AppName) async throws -> OneOff {
        guard let release = try await store.latestRelease(app: app) else {
            throw DaemonError.runFailed(app: app.rawValue, reason: "it has no release yet; deploy it first")
        }
        let build = try await store.build(app: app, id: release.buildID)
        let paths = layout.app(app)
        let id = try InstanceID(app: app, type: ProcessType("run"), index: 1, release: release.id)
        let environment = InstanceEnvironment.make(
            instance: id, port: nil, buildDirectory: paths.build(build.stamp), dataDirectory: paths.data,
            buildpackDefaults: Dictionary(uniqueKeysWithValues: build.configVars.map { ($0.key.rawValue, $0.value) }),
            appEnvironment: try EnvDirectory(path: paths.env).dictionary(),
            singleInstancePorts: [:],
            release: InstanceEnvironment.Release(id: release.id, createdAt: release.createdAt, commit: build.commit))
        return OneOff(
            directory: paths.build(build.stamp), environment: environment,
            credentials: try await accounts.credentials(app))
    }
}

/// Where and how a one-off process of an app's current release runs: `dokuen run` (`RunSpec`), a cron job.
struct OneOff: Sendable {
    let directory: String
    let environment: [String: String]
    /// The app's user; nil: not isolated, it runs as the caller (dokuend's user for a cron job).
    let credentials: ChildProcess.Credentials?
}
