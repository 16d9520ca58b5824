import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenReconciliation

/// What `GET /v1/metrics` reads of the instances (docs/METRICS.md): the same rows as `GET /v1/status?usage=1`, from
/// what the supervisor holds (`ObservedFleet`: no service directory is read for an instance whose shim reported no
/// change), each app process's CPU and memory from /proc, and one `lstat` per slot for its log's size.
extension InstanceSupervisor {
    func metricSamples() async throws -> [MetricSample] {
        let (observed, desired, leases) = try await snapshot()
        let rows = Self.rows(observed: observed, desired: desired, leases: leases) { ProcessUsage.read(pid: $0) }
        var logBytes: [String: Int64] = [:]
        for row in rows {
            let slot = "\(row.app):\(row.type).\(row.index)"
            guard logBytes[slot] == nil, let app = try? AppName(row.app), let type = try? ProcessType(row.type)
            else { continue }
            if let info = try? Posix.lstat(layout.app(app).log(type, index: row.index)) { logBytes[slot] = info.size }
        }
        return FleetSamples.instances(rows, logBytes: logBytes)
            + FleetSamples.releases(desired.map { ($0.app, $0.serving ?? $0.release) })
    }
}
