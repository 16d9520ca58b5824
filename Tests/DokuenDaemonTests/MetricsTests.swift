import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import DokuenDaemon

/// The metrics of docs/METRICS.md: what the scrape-time samples are made of, how a refresh adds, updates and removes
/// series in the Prometheus registry (each test has a registry of its own: nothing global), the counters recorded
/// as things happen, and `GET /v1/metrics` through the router.
@Suite(.timeLimit(.minutes(2))) struct MetricsTests {
    /// The lines of the exposition that are samples (not `# TYPE` or `# HELP`), sorted.
    static func lines(_ metrics: DaemonMetrics) -> [String] {
        String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("#") }.sorted()
    }

    static func row(
        _ app: String, _ type: String, _ index: Int, release: String = "v1", state: String = "RUNNING",
        restarts: Int = 0, rss: Int? = 4096, cpu: Double? = 0.5, dropped: Int64 = 0
    ) -> InstanceStatus {
        InstanceStatus(
            app: app, type: type, index: index, release: release, state: state, pid: 100, shimPID: 99, port: 5000,
            since: 1_700_000_000, restarts: restarts, exit: nil, rssBytes: rss, cpuSeconds: cpu,
            logDroppedBytes: dropped)
    }

    @Test func instanceSamplesNameTheStateAndTheCounters() {
        let samples = FleetSamples.instances(
            [Self.row("met-a", "web", 1, restarts: 2, dropped: 10)], logBytes: ["met-a:web.1": 123])
        #expect(
            samples.map { "\($0.series) \($0.value) \($0.kind)" } == [
                #"dokuen_instance_state{app="met-a",type="web",index="1",release="v1",state="RUNNING"} 1.0 gauge"#,
                #"dokuen_instance_log_file_bytes{app="met-a",type="web",index="1"} 123.0 gauge"#,
                #"dokuen_instance_restarts_total{app="met-a",type="web",index="1",release="v1"} 2.0 counter"#,
                #"dokuen_instance_log_dropped_bytes_total{app="met-a",type="web",index="1",release="v1"} 10.0 counter"#,
                #"dokuen_instance_cpu_seconds_total{app="met-a",type="web",index="1",release="v1"} 0.5 counter"#,
                #"dokuen_instance_resident_memory_bytes{app="met-a",type="web",index="1",release="v1"} 4096.0 gauge"#,
            ])
    }

    @Test func aStoppedSlotWithoutAnInstanceHasOnlyItsState() {
        let stopped = InstanceStatus(
            app: "met-a", type: "web", index: 2, release: "v1", state: "STOPPED", pid: nil, shimPID: nil, port: nil,
            since: 0, restarts: 0, exit: nil)
        #expect(
            FleetSamples.instances([stopped], logBytes: [:]).map(\.series) == [
                #"dokuen_instance_state{app="met-a",type="web",index="2",release="v1",state="STOPPED"}"#
            ])
    }

    @Test func labelValuesAreEscaped() {
        #expect(MetricSample("m", [("a", "x\"y\\z\nw")], 1).series == #"m{a="x\"y\\z\nw"}"#)
    }

    @Test func theOtherSamples() throws {
        let app = try AppName("met-b")
        #expect(
            FleetSamples.releases([(app, try ReleaseID("v7")), (try AppName("met-c"), nil)]).map(\.series) == [
                #"dokuen_app_release{app="met-b"}"#
            ])
        #expect(FleetSamples.releases([(app, try ReleaseID("v7"))]).map(\.value) == [7])
        #expect(
            FleetSamples.addons([("met-db", "postgres", true), ("met-cache", "redis", false)])
                .map { "\($0.series) \($0.value)" } == [
                    #"dokuen_addon_up{addon="met-db",kind="postgres"} 1.0"#,
                    #"dokuen_addon_up{addon="met-cache",kind="redis"} 0.0"#,
                ])
        #expect(
            FleetSamples.certificates([("met-b", 1_800_000_000), ("*", 1_900_000_000)])
                .map { "\($0.series) \($0.value)" } == [
                    #"dokuen_certificate_expiry_timestamp_seconds{app="met-b"} 1800000000.0"#,
                    #"dokuen_certificate_expiry_timestamp_seconds{app="*"} 1900000000.0"#,
                ])
        #expect(FleetSamples.backup(lastSuccess: nil).isEmpty)
        #expect(
            FleetSamples.backup(lastSuccess: 1_700_000_100).map { "\($0.series) \($0.value)" } == [
                "dokuen_backup_last_success_timestamp_seconds 1700000100.0"
            ])
    }

    @Test func aRefreshRemovesTheSeriesOfWhatIsGone() {
        let metrics = DaemonMetrics()
        metrics.refresh(
            FleetSamples.instances([Self.row("met-a", "web", 1), Self.row("met-a", "web", 2)], logBytes: [:]))
        #expect(Self.lines(metrics).filter { $0.contains(#"index="2""#) }.count == 5)
        // web.2 scaled away, web.1 now in BACKOFF: the old state's series goes with it.
        metrics.refresh(FleetSamples.instances([Self.row("met-a", "web", 1, state: "BACKOFF")], logBytes: [:]))
        let lines = Self.lines(metrics)
        #expect(lines.allSatisfy { !$0.contains(#"index="2""#) })
        #expect(
            lines.contains(#"dokuen_instance_state{app="met-a",type="web",index="1",release="v1",state="BACKOFF"} 1.0"#)
        )
        #expect(lines.allSatisfy { !$0.contains(#"state="RUNNING""#) })
        // Nothing left: every instance family is gone, the daemon's own counter stays.
        metrics.refresh([])
        #expect(Self.lines(metrics) == ["dokuen_reconcile_passes_total 0"])
    }

    @Test func aCounterFollowsItsTotalAndResetsWhenItGoesDown() {
        let metrics = DaemonMetrics()
        func restarts() -> [String] { Self.lines(metrics).filter { $0.hasPrefix("dokuen_instance_restarts_total") } }
        let series = #"dokuen_instance_restarts_total{app="met-a",type="web",index="1",release="v1"}"#
        metrics.refresh(FleetSamples.instances([Self.row("met-a", "web", 1, restarts: 0)], logBytes: [:]))
        #expect(restarts() == ["\(series) 0"])
        metrics.refresh(FleetSamples.instances([Self.row("met-a", "web", 1, restarts: 3)], logBytes: [:]))
        #expect(restarts() == ["\(series) 3.0"])
        metrics.refresh(FleetSamples.instances([Self.row("met-a", "web", 1, restarts: 3)], logBytes: [:]))
        #expect(restarts() == ["\(series) 3.0"])
        // A new shim for the same series starts again from 0.
        metrics.refresh(FleetSamples.instances([Self.row("met-a", "web", 1, restarts: 1)], logBytes: [:]))
        #expect(restarts() == ["\(series) 1.0"])
    }

    @Test func deploysAndReconcilePassesAreCountedAsTheyHappen() throws {
        let metrics = DaemonMetrics()
        let app = try AppName("met-d")
        metrics.deployEnded(app, succeeded: true, duration: .seconds(42))
        metrics.deployEnded(app, succeeded: true, duration: .seconds(3))
        metrics.deployEnded(app, succeeded: false, duration: .milliseconds(500))
        metrics.reconcilePassed()
        let lines = Self.lines(metrics)
        #expect(lines.contains(#"dokuen_deploys_total{app="met-d",outcome="succeeded"} 2"#))
        #expect(lines.contains(#"dokuen_deploys_total{app="met-d",outcome="failed"} 1"#))
        #expect(lines.contains(#"dokuen_deploy_duration_seconds_count{app="met-d"} 3"#))
        #expect(lines.contains(#"dokuen_deploy_duration_seconds_bucket{app="met-d",le="5.0"} 2"#))
        #expect(lines.contains(#"dokuen_deploy_duration_seconds_bucket{app="met-d",le="60.0"} 3"#))
        #expect(lines.contains("dokuen_reconcile_passes_total 1"))
        // The app destroyed: its deploy series go, another app's stay.
        metrics.deployEnded(try AppName("met-e"), succeeded: true, duration: .seconds(1))
        metrics.appDestroyed(app)
        let left = Self.lines(metrics)
        #expect(left.allSatisfy { !$0.contains(#"app="met-d""#) }, "\(left)")
        #expect(left.contains(#"dokuen_deploys_total{app="met-e",outcome="succeeded"} 1"#))
    }

    @Test func otherCodesNamesBecomePrometheusNames() {
        #expect(MetricName.prometheus("http.server.request.duration") == "dokuen_api_request_duration_seconds")
        #expect(MetricName.prometheus("some.lib-metric") == "some_lib_metric")
        #expect(MetricName.prometheus("9lives") == "_lives")
        #expect(MetricName.prometheusLabel("http.route") == "route")
        #expect(MetricName.prometheusLabel("a:b") == "a_b")
    }

    /// `GET /v1/metrics` answers the text format, with the counter the supervisor feeds (one pass here) and the end
    /// of the last backup that succeeded, read from the store.
    @Test func theRouteAnswersTheTextFormat() async throws {
        let temp = try TemporaryDirectory("metrics-route")
        defer { temp.remove() }
        let layout = RootLayout(root: temp("root"))
        for directory in [layout.root] + layout.directories { try Posix.mkdir(directory, existingOK: true) }
        let store = try Store.open(path: layout.database)
        let metrics = DaemonMetrics()
        let supervisor = InstanceSupervisor(
            layout: layout, store: store, shimPath: temp("no-shim"),
            accounts: AppAccounts(layout: layout, isolated: false),
            metrics: metrics)
        var settings = DaemonSettings()
        settings.metrics = metrics
        let application = APIServer.application(
            layout: layout, store: store, supervisor: supervisor, routing: nil, settings: settings
        ) {}
        do {
            try await supervisor.reconcile()
            // A failed backup, then one that succeeded: the gauge shows when the latter ended.
            let failed = try await store.startBackupRun(trigger: "manual", startedAt: 1_700_000_000)
            try await store.finishBackupRun(
                id: failed, actor: "test", durationMilliseconds: 1_000, snapshotID: nil, totalBytes: nil,
                dataAdded: nil, error: "no", detail: "")
            let ok = try await store.startBackupRun(trigger: "manual", startedAt: 1_700_000_100)
            try await store.finishBackupRun(
                id: ok, actor: "test", durationMilliseconds: 5_000, snapshotID: String(repeating: "ab", count: 32),
                totalBytes: 1, dataAdded: 1,
                error: nil, detail: "")
            let later = try await store.startBackupRun(trigger: "manual", startedAt: 1_700_000_200)
            try await store.finishBackupRun(
                id: later, actor: "test", durationMilliseconds: 1_000, snapshotID: nil, totalBytes: nil,
                dataAdded: nil, error: "no", detail: "")
            try await application.test(.router) { client in
                try await client.execute(uri: "/v1/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/plain; version=0.0.4")
                    let text = String(buffer: response.body)
                    #expect(text.contains("# TYPE dokuen_reconcile_passes_total counter\n"))
                    #expect(text.contains("\ndokuen_reconcile_passes_total 1\n"))
                    #expect(text.contains("\ndokuen_backup_last_success_timestamp_seconds 1700000105.0\n"), "\(text)")
                }
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}
