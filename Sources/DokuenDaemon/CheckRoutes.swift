import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore
import Hummingbird

/// `dokuen checks`: the health checks a cutover waits for (`HealthChecker`), where they come from, whether
/// cutovers are zero-downtime, and running them on demand against what serves now.
extension APIServer {
    static func addCheckRoutes(
        to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store, supervisor: InstanceSupervisor,
        routing: Routing?
    ) {
        let checker = HealthChecker(store: store, supervisor: supervisor)
        v1.get("apps/:app/checks") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            return try json(try await checksReport(name, layout: layout, store: store, checker: checker))
        }
        v1.post("apps/:app/checks") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            var body = try await request.decode(as: ChecksChange.self, context: context)
            var set: [HealthCheck.Key: String] = [:]
            // auto_rollback is not a key of the HTTP check: checked here, stored on its own.
            var autoRollback: Int??
            if let text = body.set.removeValue(forKey: "auto_rollback") {
                guard let seconds = Int(text), (0...Self.maxAutoRollback).contains(seconds), text.first != "+" else {
                    throw APIError(
                        .invalid,
                        "invalid setting \"auto_rollback=\(Quoting.printable(text, limit: 40))\": auto_rollback takes "
                            + "whole seconds from 0 (off) to \(Self.maxAutoRollback)")
                }
                autoRollback = .some(seconds == 0 ? nil : seconds)
            }
            if body.unset.contains("auto_rollback") {
                guard autoRollback == nil else {
                    throw APIError(
                        .invalid, "invalid setting \"auto_rollback\": it is both set and unset; give it once")
                }
                body.unset.removeAll { $0 == "auto_rollback" }
                autoRollback = .some(nil)
            }
            for (key, value) in body.set {
                let key = try HealthCheck.key(key, in: "\(key)=\(value)")
                var probe = HealthCheck()
                try probe.set(key, to: value)
                set[key] = value
            }
            var unset: Set<HealthCheck.Key> = []
            for key in body.unset { unset.insert(try HealthCheck.key(key)) }
            guard !set.isEmpty || !unset.isEmpty || body.clear || autoRollback != nil else {
                throw APIError(.invalid, "nothing to change; give KEY=VALUE or KEY= to unset")
            }
            let who = await actor(request, context)
            if !set.isEmpty || !unset.isEmpty || body.clear {
                try await store.changeHealthCheck(app: name, set: set, unset: unset, clear: body.clear, actor: who)
            }
            if let autoRollback { try await store.setAutoRollback(app: name, seconds: autoRollback, actor: who) }
            return try json(try await checksReport(name, layout: layout, store: store, checker: checker))
        }
        for (verb, on) in [("enable", true), ("disable", false)] {
            v1.post("apps/:app/checks/\(verb)") { request, context in
                let name = try appName(context.parameters.get("app") ?? "")
                try await store.setZeroDowntime(app: name, on, actor: await actor(request, context))
                return try json(try await checksReport(name, layout: layout, store: store, checker: checker))
            }
        }
        v1.post("apps/:app/checks/run") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard let release = try await store.latestRelease(app: name) else {
                throw APIError(.conflict, "unable to check \(name): it has no release yet; deploy it first")
            }
            let build = try await store.build(app: name, id: release.buildID)
            let checks = try await checker.checks(app: name, buildDirectory: layout.app(name).build(build.stamp))
            let host = await routing?.hostname(of: name) ?? "localhost"
            var results: [ChecksRunResult.Instance] = []
            let (running, missing) = try await checker.webInstances(app: name, release: release.id)
            for (dyno, state) in missing {
                results.append(.init(dyno: dyno, port: 0, passed: false, detail: "it is \(state), not RUNNING"))
            }
            for (dyno, port) in running {
                let accepts = await HealthChecker.offPool { LoopbackProbe.accepts(port: port, milliseconds: 5_000) }
                results.append(
                    .init(
                        dyno: dyno, port: port, passed: accepts,
                        detail: accepts ? "port \(port) accepts" : "port \(port) accepted no connection within 5 s"))
                guard accepts else { continue }
                for check in checks.checks {
                    let outcome = try await checker.http(check, dyno: dyno, port: port, host: host) { _ in }
                    results.append(
                        .init(
                            dyno: dyno, port: port, passed: outcome.failure == nil,
                            detail: outcome.failure ?? outcome.detail))
                }
            }
            return try json(
                ChecksRunResult(
                    release: release.id.description, passed: results.allSatisfy(\.passed), results: results))
        }
    }

    /// The longest auto-rollback window: an hour.
    static let maxAutoRollback = 3600

    static func checksReport(
        _ app: AppName, layout: RootLayout, store: Store, checker: HealthChecker
    ) async throws -> ChecksReport {
        guard try await store.app(named: app) != nil else { throw StoreError.appNotFound(app) }
        let own = try await store.healthCheck(app: app)
        var manifest = AppManifest()
        if let release = try await store.latestRelease(app: app) {
            let build = try await store.build(app: app, id: release.buildID)
            manifest = try AppManifest.load(buildDirectory: layout.app(app).build(build.stamp))
        }
        let checks = own.map { [$0] } ?? manifest.checks
        return ChecksReport(
            zeroDowntime: try await store.zeroDowntime(app: app),
            source: own != nil ? "dokuen checks set" : (checks.isEmpty ? "none" : "app.json"),
            checks: checks.map { check in
                Dictionary(uniqueKeysWithValues: HealthCheck.Key.allCases.map { ($0.rawValue, check.value($0)) })
            },
            setKeys: own?.explicitKeys.sorted().map(\.rawValue) ?? [], notes: own == nil ? manifest.notes : [],
            liveness: manifest.liveness.map(\.summary), autoRollback: try await store.autoRollback(app: app) ?? 0)
    }
}
