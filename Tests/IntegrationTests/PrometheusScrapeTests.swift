import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// A real Prometheus scrapes dokuend's metrics (docs/METRICS.md, issue 20's acceptance): its `up` is 1 and a query
/// for an instance's restarts returns 1 after a kill; a token it does not know is refused (`up` 0).
///
/// Prometheus speaks TCP only; dokuend serves `/metrics` on TCP through the dashboard's listener (`--dashboard`),
/// which relays `GET /v1/metrics` behind a bearer token of its own (`dokuen dashboard token --metrics`).
@Suite(.serialized, .timeLimit(.minutes(4))) struct PrometheusScrapeTests {

    /// The harness itself, today: Prometheus scrapes its own `/metrics` (which ignores the token) with the
    /// configuration the dokuend test uses, and answers the query API.
    @Test(.enabled(if: PrometheusHarness.binary != nil, "needs Debian's prometheus"))
    func theHarnessScrapesAndAnswersQueries() throws {
        let port = freeTCPPort()
        let prometheus = try PrometheusHarness(
            label: "met-prom-self", port: port,
            jobs: [.init(name: "self", target: "127.0.0.1:\(port)", token: "not-needed")])
        defer { prometheus.stop() }
        try prometheus.waitForValue(#"up{job="self"}"#, 1)
        #expect(try prometheus.query(#"prometheus_build_info{job="self"}"#).first?.labels["version"] != nil)
    }

    @Test(.enabled(if: PrometheusHarness.binary != nil, "needs Debian's prometheus"))
    func prometheusScrapesTheInstancesRestarts() throws {
        let port = freeTCPPort()
        let daemon = try DaemonHarness(label: "met-prom", options: ["--dashboard", "127.0.0.1:\(port)"])
        defer { daemon.stop() }
        let token = try daemon.dokuen(["dashboard", "token", "--metrics"]).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!token.isEmpty)

        let app = "met-prom"
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(
            Array("web: exec python3 -m http.server $PORT --bind 127.0.0.1\n".utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", app, daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        let web = try #require(
            try daemon.waitUntil("web.1 RUNNING") { $0.contains { $0.state == "RUNNING" && $0.pid != nil } }.first)

        let prometheus = try PrometheusHarness(
            label: "met-prom",
            jobs: [
                .init(name: "dokuen", target: "127.0.0.1:\(port)", token: token),
                .init(name: "stranger", target: "127.0.0.1:\(port)", token: "not-the-token"),
            ])
        defer { prometheus.stop() }
        try prometheus.waitForValue(#"up{job="dokuen"}"#, 1)
        try prometheus.waitForValue(#"up{job="stranger"}"#, 0)
        let restarts = #"dokuen_instance_restarts_total{job="dokuen",app="\#(app)",type="web",index="1"}"#
        try prometheus.waitForValue(restarts, 0)

        try Posix.kill(try #require(web.pid), SIGKILL)
        try daemon.waitUntil("web.1 RUNNING with a new pid") { statuses in
            statuses.contains { $0.state == "RUNNING" && $0.pid != nil && $0.pid != web.pid }
        }
        try prometheus.waitForValue(restarts, 1)
        try prometheus.waitForValue(
            #"dokuen_instance_state{job="dokuen",app="\#(app)",type="web",index="1",state="RUNNING"}"#, 1)
    }
}
