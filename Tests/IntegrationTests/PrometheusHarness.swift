import DokuenPosix
import Foundation
import TestSupport

/// A real Prometheus (Debian's `prometheus`) on a free loopback port, with its configuration and its database in a
/// temporary directory, scraping one target every second with a bearer token read from a file
/// (`authorization: credentials_file`), as a user's Prometheus would scrape the dashboard's `/metrics`
/// (docs/METRICS.md). Tests ask it through its HTTP API (`/api/v1/query`). `stop()` (in a defer) kills it by pid.
final class PrometheusHarness {
    static let binary: String? = ["/usr/bin/prometheus"].first { access($0, X_OK) == 0 }

    let directory: TemporaryDirectory
    /// Prometheus's own HTTP port (its API and its own `/metrics`).
    let port: Int
    private var program: BackgroundProgram?

    /// A scrape job: its name, the `host:port` it scrapes, the path and the token it sends.
    struct Job {
        var name: String
        var target: String
        var path = "/metrics"
        var token: String
    }

    /// Starts Prometheus on `port` scraping `jobs`, and returns once it says it is ready (`/-/ready`).
    init(label: String = "prometheus", port: Int = freeTCPPort(), jobs: [Job]) throws {
        guard let binary = Self.binary else { throw ProgramRunError(description: "no prometheus on this machine") }
        directory = try TemporaryDirectory(label)
        self.port = port
        var config = "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
        for job in jobs {
            let token = directory("token-\(job.name)")
            try AtomicFile.write(Array(job.token.utf8), to: token)
            try Posix.chmod(token, 0o600)
            // JSON strings are YAML strings: every value quoted, whatever it holds.
            config += """
                  - job_name: \(Self.quoted(job.name))
                    metrics_path: \(Self.quoted(job.path))
                    authorization:
                      type: Bearer
                      credentials_file: \(Self.quoted(token))
                    static_configs:
                      - targets: [\(Self.quoted(job.target))]

                """
        }
        try AtomicFile.write(Array(config.utf8), to: directory("prometheus.yml"))
        program = try BackgroundProgram(
            binary,
            [
                "--config.file=" + directory("prometheus.yml"), "--web.listen-address=127.0.0.1:\(port)",
                "--storage.tsdb.path=" + directory("data"), "--log.level=warn",
            ], environment: ["PATH": "/usr/bin:/bin", "HOME": directory.path])
        do {
            try waitUntil("prometheus is ready on 127.0.0.1:\(port)") {
                if let ended = try program?.wait(milliseconds: 0) {
                    throw ProgramRunError(description: "prometheus ended (\(ended))")
                }
                return try runProgram(
                    "/usr/bin/curl", ["-sf", "--max-time", "2", "-o", "/dev/null", "http://127.0.0.1:\(port)/-/ready"]
                ).status == .exited(0)
            }
        } catch {
            let errors = program?.standardError ?? ""
            stop()
            throw ProgramRunError(description: "\(error): \(errors)")
        }
    }

    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        // YAML's double-quoted strings know JSON's escapes but `\/`.
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: (try? encoder.encode(text)) ?? Data(), as: UTF8.self)
    }

    /// The samples of an instant query: each series' labels and value.
    func query(_ promql: String) throws -> [(labels: [String: String], value: Double)] {
        let result = try runProgram(
            "/usr/bin/curl",
            [
                "-sS", "--max-time", "10", "-G", "http://127.0.0.1:\(port)/api/v1/query", "--data-urlencode",
                "query=" + promql,
            ])
        guard result.status == .exited(0),
            let answer = try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any],
            answer["status"] as? String == "success", let data = answer["data"] as? [String: Any],
            let samples = data["result"] as? [[String: Any]]
        else {
            throw ProgramRunError(description: "query \(promql): \(result.standardOutput)\(result.standardError)")
        }
        return samples.map { sample in
            let labels = sample["metric"] as? [String: String] ?? [:]
            let value = (sample["value"] as? [Any])?.last.flatMap { $0 as? String }.flatMap(Double.init) ?? .nan
            return (labels, value)
        }
    }

    /// Queries `promql` until one of its samples has `value`: Prometheus scrapes on its own clock, every second
    /// here, and tells no one, so this asks again after short pauses, for at most 60 s.
    func waitForValue(_ promql: String, _ value: Double) throws {
        var last: [(labels: [String: String], value: Double)] = []
        do {
            try waitUntil("\(promql) == \(value)") {
                last = try query(promql)
                return last.contains { $0.value == value }
            }
        } catch {
            throw ProgramRunError(description: "\(error); last answer: \(last)")
        }
    }

    private func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while ContinuousClock.now < deadline {
            if try condition() { return }
            usleep(200_000)
        }
        throw ProgramRunError(description: "never \(what)")
    }

    func stop() {
        program?.stop()
        program = nil
        directory.remove()
    }
}
