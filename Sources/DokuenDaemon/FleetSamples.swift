import DokuenAPI
import DokuenCore

/// The series read at scrape time, made from values the daemon holds (docs/METRICS.md): plain functions, so that
/// what `GET /v1/metrics` shows is tested without processes. `MetricsRoutes` gathers the values.
enum FleetSamples {
    /// Per instance (labels app, type, index, release): its state (one series, the current state's, at 1), and
    /// unless it is a slot `dokuen stop` left without an instance, its restarts, CPU time, resident memory and the
    /// log output its shim dropped. Per slot (app, type, index): the size of its log file, from `logBytes` keyed by
    /// `Target`'s `APP:TYPE.N`.
    static func instances(_ rows: [InstanceStatus], logBytes: [String: Int64]) -> [MetricSample] {
        var samples: [MetricSample] = []
        var slots: Set<String> = []
        for row in rows {
            let labels = [("app", row.app), ("type", row.type), ("index", String(row.index)), ("release", row.release)]
            samples.append(MetricSample(MetricName.instanceState, labels + [("state", row.state)], 1))
            let slot = "\(row.app):\(row.type).\(row.index)"
            if slots.insert(slot).inserted, let bytes = logBytes[slot] {
                samples.append(
                    MetricSample(
                        MetricName.instanceLogFile,
                        [("app", row.app), ("type", row.type), ("index", String(row.index))], Double(bytes)))
            }
            // A stopped slot with no instance has no shim to count anything.
            if row.state == "STOPPED" && row.shimPID == nil && row.since == 0 { continue }
            samples.append(MetricSample(MetricName.instanceRestarts, labels, Double(row.restarts), kind: .counter))
            samples.append(
                MetricSample(MetricName.instanceLogDropped, labels, Double(row.logDroppedBytes), kind: .counter))
            if let cpu = row.cpuSeconds {
                samples.append(MetricSample(MetricName.instanceCPU, labels, cpu, kind: .counter))
            }
            if let rss = row.rssBytes {
                samples.append(MetricSample(MetricName.instanceResident, labels, Double(rss)))
            }
        }
        return samples
    }

    /// Per app with a release: its number (v7 is 7); during a cutover, the release that still serves.
    static func releases(_ apps: [(app: AppName, release: ReleaseID?)]) -> [MetricSample] {
        apps.compactMap { app in
            app.release.map { MetricSample(MetricName.appRelease, [("app", app.app.rawValue)], Double($0.number)) }
        }
    }

    /// Per add-on (labels addon, kind): 1 when its server answers its probe, else 0.
    static func addons(_ addons: [(name: String, kind: String, up: Bool)]) -> [MetricSample] {
        addons.map { MetricSample(MetricName.addonUp, [("addon", $0.name), ("kind", $0.kind)], $0.up ? 1 : 0) }
    }

    /// Per installed certificate (label app; `*` is the base domain's wildcard): when it expires, in UTC seconds.
    static func certificates(_ expiries: [(name: String, notAfter: Int64)]) -> [MetricSample] {
        expiries.map { MetricSample(MetricName.certificateExpiry, [("app", $0.name)], Double($0.notAfter)) }
    }

    /// When the last backup that succeeded started, in UTC seconds; nothing when none is recorded.
    static func backup(lastSuccess: Int64?) -> [MetricSample] {
        lastSuccess.map { [MetricSample(MetricName.backupLastSuccess, [], Double($0))] } ?? []
    }
}
