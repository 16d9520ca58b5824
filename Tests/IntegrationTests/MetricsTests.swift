import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// `GET /v1/metrics` of a real dokuend (docs/METRICS.md): an app's instances with their state, a kill counted as a
/// restart once the shim restarted it, the series of a scaled-away instance gone, and the counters recorded as things
/// happened (deploys that succeeded and failed, the reconcile passes, the API's requests).
@Suite(.serialized, .timeLimit(.minutes(3))) struct MetricsTests {
    static let app = "met-blog"

    /// The exposition's sample lines (not `# TYPE`), after checking the answer's status and media type.
    static func scrape(_ daemon: DaemonHarness) throws -> [String] {
        try text(daemon).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    /// The exposition, after checking the answer's status and media type.
    static func text(_ daemon: DaemonHarness) throws -> String {
        let response = try UnixHTTPClient(socketPath: daemon.root + "/run/dokuend.sock").send("GET", "/v1/metrics")
        let text = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else {
            throw ProgramRunError(description: "GET /v1/metrics: \(response.status) \(text)")
        }
        #expect(response.headers.first { $0.key.lowercased() == "content-type" }?.value == "text/plain; version=0.0.4")
        return text
    }

    static let promtool = "/usr/bin/promtool"

    /// Prometheus's own linter (Debian's `prometheus` package) parses the whole exposition: nothing to say but the
    /// missing HELP lines (swift-metrics has no help text; docs/METRICS.md says what each metric means).
    @Test(.enabled(if: access(promtool, X_OK) == 0, "needs promtool (Debian's prometheus)"))
    func prometheusParsesTheExposition() throws {
        let daemon = try DaemonHarness(label: "met-lint")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "met-lint"]).status == .exited(0))
        // A first scrape, so that the second holds request metrics too.
        _ = try Self.text(daemon)
        let checked = try runProgram(Self.promtool, ["check", "metrics"], stdin: Array(try Self.text(daemon).utf8))
        let complaints = (checked.standardOutput + checked.standardError).split(separator: "\n")
        #expect(!complaints.isEmpty && complaints.allSatisfy { $0.hasSuffix(" no help text") }, "\(complaints)")
        #expect(complaints.contains("dokuen_reconcile_passes_total no help text"))
        #expect(complaints.contains("dokuen_api_request_duration_seconds no help text"))
    }

    /// The value of the one line that starts with `series` and a space; nil when there is none.
    static func value(_ lines: [String], _ series: String) -> Double? {
        lines.first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    static func labels(_ index: Int) -> String { #"app="\#(app)",type="web",index="\#(index)",release="v1""# }

    @Test func instancesRestartsAndScaledAwaySeries() throws {
        let daemon = try DaemonHarness(label: "met")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(
            Array("web: exec python3 -m http.server $PORT --bind 127.0.0.1\n".utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", Self.app]).status == .exited(0))
        #expect(try daemon.dokuen(["ps", "scale", Self.app, "web=2"]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", Self.app, daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        let running = try daemon.waitUntil("2 web instances RUNNING") {
            $0.count == 2 && $0.allSatisfy { $0.state == "RUNNING" && $0.pid != nil }
        }

        var lines = try Self.scrape(daemon)
        for index in 1...2 {
            #expect(
                Self.value(lines, #"dokuen_instance_state{\#(Self.labels(index)),state="RUNNING"}"#) == 1, "\(lines)")
            #expect(Self.value(lines, "dokuen_instance_restarts_total{\(Self.labels(index))}") == 0)
            #expect(
                (Self.value(lines, "dokuen_instance_resident_memory_bytes{\(Self.labels(index))}") ?? 0)
                    > Double(1 << 20))
            #expect(Self.value(lines, "dokuen_instance_cpu_seconds_total{\(Self.labels(index))}") != nil)
            #expect(Self.value(lines, "dokuen_instance_log_dropped_bytes_total{\(Self.labels(index))}") == 0)
        }
        #expect(Self.value(lines, #"dokuen_app_release{app="\#(Self.app)"}"#) == 1)
        #expect(Self.value(lines, #"dokuen_deploys_total{app="\#(Self.app)",outcome="succeeded"}"#) == 1)
        #expect(Self.value(lines, #"dokuen_deploy_duration_seconds_count{app="\#(Self.app)"}"#) == 1)
        #expect((Self.value(lines, "dokuen_reconcile_passes_total") ?? 0) >= 1)
        // The requests before this one (`dokuen status --json`, by the waits above) are timed, by route.
        #expect(
            lines.contains {
                $0.hasPrefix("dokuen_api_request_duration_seconds_count{") && $0.contains(#"route="/v1/status""#)
            }, "\(lines.filter { $0.hasPrefix("dokuen_api") })")

        // A kill: once the shim restarted it, its restarts are 1 and its state RUNNING again.
        let first = try #require(running.first { $0.index == 1 })
        try Posix.kill(try #require(first.pid), SIGKILL)
        try daemon.waitUntil("web.1 RUNNING with a new pid") { statuses in
            statuses.contains { $0.index == 1 && $0.state == "RUNNING" && $0.pid != nil && $0.pid != first.pid }
        }
        lines = try Self.scrape(daemon)
        #expect(Self.value(lines, "dokuen_instance_restarts_total{\(Self.labels(1))}") == 1, "\(lines)")
        #expect(Self.value(lines, #"dokuen_instance_state{\#(Self.labels(1)),state="RUNNING"}"#) == 1)
        #expect(Self.value(lines, "dokuen_instance_restarts_total{\(Self.labels(2))}") == 0)

        // Scaled to one: web.2's series leave the output.
        #expect(try daemon.dokuen(["ps", "scale", Self.app, "web=1"]).status == .exited(0))
        try daemon.waitUntil("web.2 gone") { $0.count == 1 }
        lines = try Self.scrape(daemon)
        #expect(lines.allSatisfy { !$0.contains(#"index="2""#) }, "\(lines)")
        #expect(Self.value(lines, #"dokuen_instance_state{\#(Self.labels(1)),state="RUNNING"}"#) == 1)

        // A deploy that fails (nothing to build) is counted as failed, with its duration; the release stays.
        try Posix.mkdir(daemon.temp("empty"))
        try AtomicFile.write(Array("nothing here\n".utf8), to: daemon.temp("empty/README"))
        #expect(try daemon.dokuen(["deploy", Self.app, daemon.temp("empty")]).status == .exited(1))
        lines = try Self.scrape(daemon)
        #expect(Self.value(lines, #"dokuen_deploys_total{app="\#(Self.app)",outcome="failed"}"#) == 1, "\(lines)")
        #expect(Self.value(lines, #"dokuen_deploys_total{app="\#(Self.app)",outcome="succeeded"}"#) == 1)
        #expect(Self.value(lines, #"dokuen_deploy_duration_seconds_count{app="\#(Self.app)"}"#) == 2)
        #expect(Self.value(lines, #"dokuen_app_release{app="\#(Self.app)"}"#) == 1)
    }
}
