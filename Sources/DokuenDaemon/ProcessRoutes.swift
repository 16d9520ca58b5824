import DokuenAPI
import DokuenCore
import DokuenStore
import DokuenSupervision
import Hummingbird

/// The routes of a process type's desired state beyond its count: its settings (`dokuen ps set`) and its stops
/// (`dokuen stop|start APP[:TYPE[.N]]`), both kept in the store across daemon restarts and reboots.
extension APIServer {
    static func addProcessRoutes(
        to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store, supervisor: InstanceSupervisor,
        cutover: Cutover
    ) {
        v1.get("apps/:app/settings") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let stored = try await store.processSettings(app: name)
            var types = Set(stored.keys)
            if let release = try await store.latestRelease(app: name) {
                types.formUnion(try await store.build(app: name, id: release.buildID).processes.keys)
            }
            return try json(types.sorted().map { settingsEntry($0, stored[$0] ?? ProcessSettings()) })
        }
        v1.post("apps/:app/settings") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let body = try await request.decode(as: ProcessSettingsChange.self, context: context)
            let type = try processType(body.type)
            var set: [ProcessSettings.Key: String] = [:]
            for (key, value) in body.set { set[try ProcessSettings.key(key, in: "\(key)=\(value)")] = value }
            var unset: Set<ProcessSettings.Key> = []
            for key in body.unset { unset.insert(try ProcessSettings.key(key)) }
            guard !set.isEmpty || !unset.isEmpty else {
                throw APIError(.invalid, "nothing to change; give KEY=VALUE or KEY= to unset")
            }
            // Values first, so that a bad one is 400 whatever the key; then what this host cannot enforce.
            _ = try ProcessSettings(values: body.set)
            if let key = set.keys.sorted().first(where: \.needsCgroup) {
                throw cgroupRefusal(key, app: name, type: type)
            }
            try await checkReleaseHas(type, app: name, verb: "change the settings of", store: store)
            let actor = await actor(request, context)
            let before = try await store.processSettings(app: name, type: type)
            let settings = try await store.changeProcessSettings(
                app: name, type: type, set: set, unset: unset, actor: actor)
            // Settings are fixed when a shim starts: a new release of the same build replaces every instance,
            // new ones ready before old ones stop. When they do not come up, the settings are put back.
            let release: ReleaseID?
            do {
                let changed = (set.keys.sorted().map { "\($0)=\(set[$0]!)" } + unset.sorted().map { "\($0)=" })
                release = try await cutover.roll(
                    name, summary: "Settings of \(type): " + changed.joined(separator: " "), actor: actor)
            } catch {
                let touched = Set(set.keys).union(unset)
                let restore = before.explicitValues.compactMap { key, value in
                    ProcessSettings.Key(rawValue: key).flatMap { touched.contains($0) ? ($0, value) : nil }
                }
                _ = try? await store.changeProcessSettings(
                    app: name, type: type, set: Dictionary(uniqueKeysWithValues: restore),
                    unset: touched.filter { !before.explicitKeys.contains($0) }, actor: "dokuend")
                throw APIError(
                    .conflict,
                    "unable to change the settings of \(name):\(type), so they were put back: \(error)")
            }
            let live = try await supervisor.statuses().filter {
                $0.app == name.rawValue && $0.type == type.rawValue && $0.shimPID != nil
            }
            var instances: [String] = []
            for status in live where !instances.contains("\(status.app):\(status.type).\(status.index)") {
                instances.append("\(status.app):\(status.type).\(status.index)")
            }
            return try json(
                ProcessSettingsChangeResult(
                    settings: settingsEntry(type, settings), instances: instances, release: release?.description))
        }
        // A long poll for tests and tools that wait for the instances to change: answers once a change after
        // `after` was announced (every reconcile pass announces one), or when `wait` ms passed (docs/API.md).
        v1.get("changes") { request, _ in
            let after =
                try request.uri.queryParameters.get("after").map { try integer($0, "after", -1...Int.max) } ?? -1
            let wait = try request.uri.queryParameters.get("wait").map { try integer($0, "wait", 0...60_000) } ?? 0
            let end = ContinuousClock.now.advanced(by: .milliseconds(wait))
            return try json(ChangeGeneration(generation: await supervisor.change(after: after, before: end)))
        }
        v1.post("apps/:app/stop") { request, context in
            try await setStopped(true, request, context, store, supervisor, cutover)
        }
        v1.post("apps/:app/start") { request, context in
            try await setStopped(false, request, context, store, supervisor, cutover)
        }
    }

    /// `stop`/`start` of an app, of one type with `?type=T`, or of one slot with `?type=T&index=N`: desired state,
    /// kept across restarts and reboots until the opposite verb. Answers the app's formation.
    static func setStopped(
        _ stopped: Bool, _ request: Request, _ context: DokuenContext, _ store: Store,
        _ supervisor: InstanceSupervisor, _ cutover: Cutover
    ) async throws -> Response {
        let name = try appName(context.parameters.get("app") ?? "")
        let type = try request.uri.queryParameters.get("type").map { try processType($0) }
        let index = try request.uri.queryParameters.get("index").map { text in
            guard let type else {
                throw APIError(
                    .invalid,
                    "invalid index \(Quoting.quoted(text)): an instance number needs a type, as in ?type=web&index=2")
            }
            guard text.utf8.count <= 3, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let number = Int(text),
                (1...InstanceID.maxIndex).contains(number)
            else {
                throw APIError(
                    .invalid,
                    "invalid target \"\(name):\(type).\(text)\": the instance number must be 1 to "
                        + "\(InstanceID.maxIndex), as in web.2")
            }
            return number
        }
        let who = await actor(request, context)
        let change = { () async throws in
            if let type, let index {
                try await store.setStopped(app: name, type: type, index: index, stopped: stopped, actor: who)
            } else {
                try await store.setStopped(app: name, type: type, stopped: stopped, actor: who)
            }
        }
        if type == nil || type?.rawValue == "web",
            let web = try await store.formation(app: name).first(where: { $0.type.rawValue == "web" })
        {
            var indexes = web.stoppedIndexes
            if let index {
                if stopped { indexes.insert(index) } else { indexes.remove(index) }
            } else if !stopped {
                indexes = []
            }
            try await cutover.drainWeb(
                name, count: web.count, stopped: index == nil ? stopped : web.stopped, stoppedIndexes: indexes,
                then: change)
        } else {
            try await change()
        }
        try await supervisor.reconcile()
        return try json(
            try await store.formation(app: name).map {
                FormationEntry(
                    type: $0.type.rawValue, count: $0.count, stopped: $0.stopped,
                    stoppedIndexes: $0.stoppedIndexes.sorted())
            })
    }

    /// `ps scale` (and `DOKUEN_SCALE`, `ConfigChanger`): checks `requested` (`checkScalable`), records it, and lets
    /// the reconciler act on it. Web slots that go away leave nginx's upstream first (`Cutover.drainWeb`). Before the
    /// first release nothing runs: the counts are kept for the first deploy (docs/DESIGN.md §2, Formation).
    static func scale(
        _ app: AppName, to requested: Formation, actor: String, store: Store, supervisor: InstanceSupervisor,
        cutover: Cutover
    ) async throws {
        try await checkScalable(requested, app: app, store: store) { reason in
            APIError(.invalid, "unable to scale \(app): \(reason)")
        }
        if let web = requested.scales.first(where: { $0.type.rawValue == "web" }) {
            let now = try await store.formation(app: app).first { $0.type == web.type }
            try await cutover.drainWeb(
                app, count: web.count, stopped: now?.stopped ?? false, stoppedIndexes: now?.stoppedIndexes ?? []
            ) { try await store.setFormation(app: app, requested, actor: actor) }
        } else {
            try await store.setFormation(app: app, requested, actor: actor)
        }
        try await supervisor.reconcile()
    }

    /// Refuses a formation that names a type `app`'s latest release does not have (`refusal` words the error).
    /// Before the first release any valid type is accepted: it is kept for the first deploy, which drops it to 0
    /// when its build has no such type.
    static func checkScalable(
        _ requested: Formation, app: AppName, store: Store, refusal: (String) -> APIError
    ) async throws {
        guard try await store.app(named: app) != nil else { throw StoreError.appNotFound(app) }
        guard let release = try await store.latestRelease(app: app) else { return }
        let build = try await store.build(app: app, id: release.buildID)
        for scale in requested.scales where build.processes[scale.type] == nil {
            let known = build.processes.keys.sorted().map(\.rawValue).joined(separator: ", ")
            throw refusal("release \(release.id) has no process type '\(scale.type)' (it has \(known))")
        }
    }

    /// Refuses a type that `app`'s latest release does not have, as `ps scale` does (400). Before the first
    /// release any valid type is accepted: its settings wait for the instances the first deploy starts.
    static func checkReleaseHas(_ type: ProcessType, app: AppName, verb: String, store: Store) async throws {
        guard try await store.app(named: app) != nil else { throw StoreError.appNotFound(app) }
        guard let release = try await store.latestRelease(app: app) else { return }
        let build = try await store.build(app: app, id: release.buildID)
        guard build.processes[type] == nil else { return }
        let known = build.processes.keys.sorted().map(\.rawValue).joined(separator: ", ")
        throw APIError(
            .invalid,
            "unable to \(verb) \(app): release \(release.id) has no process type '\(type)' (it has \(known))")
    }

    /// Refuses a key only a cgroup v2 of the instance's own can enforce (`memory`, `pids`). InstanceSupervisor
    /// starts every shim in dokuend's own cgroup and creates none, so such a setting would be stored and shown but
    /// never enforced; unsetting one stays allowed.
    static func cgroupRefusal(_ key: ProcessSettings.Key, app: AppName, type: ProcessType) -> APIError {
        APIError(
            .conflict,
            "unable to change the settings of \(app):\(type): \(key) needs a cgroup v2 per instance, in a "
                + "subtree delegated to dokuend (systemd Delegate=yes), and this dokuend creates none, so it cannot "
                + "be enforced")
    }

    static func settingsEntry(_ type: ProcessType, _ settings: ProcessSettings) -> ProcessSettingsEntry {
        ProcessSettingsEntry(
            type: type.rawValue,
            settings: Dictionary(
                uniqueKeysWithValues: ProcessSettings.Key.allCases.map { ($0.rawValue, settings.value($0)) }),
            setKeys: settings.explicitKeys.sorted().map(\.rawValue))
    }

    /// The command of `POST /v1/control`, parsed at the boundary: `r` restart, `h` SIGHUP, `t` SIGTERM, `k` SIGKILL,
    /// `s<N>` signal N (1 to 64). `u`, `d` and `x` are the shim's too, but the API reaches them through `start`,
    /// `stop` and the reconciler, which keep the desired state in step.
    static func controlCommand(_ text: String) throws -> ControlCommand {
        guard let command = ControlCommand(line: text), command == .restart || command.isSignal else {
            throw APIError(
                .invalid,
                "invalid control command \(Quoting.quoted(text)): expected r, h, t, k, or s followed by a signal "
                    + "number from 1 to 64")
        }
        return command
    }

    /// A whole-number query parameter within `range`, or 400.
    static func integer(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let number = Int(text), range.contains(number) else {
            throw APIError(
                .invalid,
                "invalid \(name) \(Quoting.quoted(text)): expected a whole number from \(range.lowerBound) to "
                    + "\(range.upperBound)")
        }
        return number
    }

    static func processType(_ text: String) throws -> ProcessType {
        do { return try ProcessType(text) } catch { throw APIError(.invalid, error.description) }
    }
}

extension ControlCommand {
    /// Whether the command sends a signal (`h`, `t`, `k`, `s<N>`).
    fileprivate var isSignal: Bool {
        if case .signal = self { return true }
        return false
    }
}

/// The answer of `GET /v1/changes`: how many changes the daemon announced so far.
struct ChangeGeneration: Codable, Sendable {
    var generation: Int
}
