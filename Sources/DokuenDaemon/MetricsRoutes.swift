import DokuenCore
import DokuenStore
import Hummingbird

/// `GET /v1/metrics`: every metric in Prometheus's text format (docs/METRICS.md). Admins only, like every route of
/// the socket; the dashboard's listener relays it at `/metrics` behind a token of its own.
///
/// What is state is read at each request, from what the daemon holds: the instances from the supervisor's fleet
/// (no service directory read unless its shim reported a change), the releases from the desired state, the add-ons'
/// probes, the certificates' expiries (openssl runs once per installed file, `AcmeRenewer.notAfter`) and the last
/// backup from the store. Then the registry writes everything out, the counters recorded as things happened too.
extension APIServer {
    static func addMetricsRoutes(
        to v1: RouterGroup<DokuenContext>, store: Store, supervisor: InstanceSupervisor, addons: AddonSupervisor?,
        renewer: AcmeRenewer?, metrics: DaemonMetrics
    ) {
        v1.get("metrics") { _, _ in
            var samples = try await supervisor.metricSamples()
            if let addons {
                var states: [(name: String, kind: String, up: Bool)] = []
                for record in try await store.addons() {
                    states.append((record.name.rawValue, record.kind.rawValue, await addons.isReady(record)))
                }
                samples += FleetSamples.addons(states)
            }
            if let renewer {
                var expiries: [(name: String, notAfter: Int64)] = []
                for app in try await store.apps() {
                    if let notAfter = await renewer.notAfter(of: app.name) {
                        expiries.append((app.name.rawValue, notAfter))
                    }
                }
                if let notAfter = await renewer.notAfter(of: nil) { expiries.append(("*", notAfter)) }
                samples += FleetSamples.certificates(expiries)
            }
            let last = try await store.backupRuns(limit: Store.backupRunsKept).first { $0.outcome == "ok" }
            samples += FleetSamples.backup(
                lastSuccess: last.map { $0.startedAt + ($0.durationMilliseconds ?? 0) / 1000 })
            metrics.refresh(samples)
            var buffer = ByteBuffer()
            buffer.writeBytes(metrics.exposition())
            return Response(
                status: .ok, headers: [.contentType: DaemonMetrics.contentType], body: ResponseBody(byteBuffer: buffer))
        }
    }
}
