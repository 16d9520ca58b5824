import DokuenAPI
import Foundation
import TestSupport

/// Waiting for what the daemon and its shims do on their own time, within a 20 s deadline. What shows in
/// `status --json` changes only when dokuend announces a change (every reconcile pass does, and every shim event and
/// shim death asks for one), so `waitUntil` awaits those announcements through `GET /v1/changes`, a long poll
/// (docs/API.md), and reads the status once per change. `waitFor` checks anything else (a file, an HTTP answer), which
/// has no event the test could await: it looks again after short pauses.
extension DaemonHarness {
    /// `status --json` now.
    func statuses() throws -> [InstanceStatus] {
        try JSONDecoder().decode([InstanceStatus].self, from: Data(try dokuen(["status", "--json"]).stdout))
    }

    /// Reads `status --json` at once and again after each change the daemon announces, until `condition` holds;
    /// returns what it read last.
    @discardableResult
    func waitUntil(_ what: String, _ condition: ([InstanceStatus]) -> Bool) throws -> [InstanceStatus] {
        let end = monotonic() + 20_000
        // The generation before the read: a change between the two is not missed, the next wait returns at once.
        var seen = try changes(after: -1, waitMilliseconds: 0)
        while true {
            let last = try statuses()
            if condition(last) { return last }
            let left = end - monotonic()
            guard left > 0 else {
                throw ProgramRunError(description: "never \(what): \(try dokuen(["status"]).standardOutput)")
            }
            seen = try changes(after: seen, waitMilliseconds: Int(min(left, 60_000)))
        }
    }

    /// The daemon's change generation once it passed `generation`, or when `waitMilliseconds` passed.
    func changes(after generation: Int, waitMilliseconds: Int) throws -> Int {
        struct Generation: Decodable { var generation: Int }
        let response = try UnixHTTPClient(socketPath: root + "/run/dokuend.sock")
            .send("GET", "/v1/changes?after=\(generation)&wait=\(waitMilliseconds)")
        guard response.status == 200 else {
            throw ProgramRunError(
                description: "GET /v1/changes: \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return try JSONDecoder().decode(Generation.self, from: Data(response.body)).generation
    }

    /// Checks `condition` until it holds.
    func waitFor(_ what: String, _ condition: () throws -> Bool) throws {
        let pause = try NotifySocket(path: temp("pause-\(monotonic())"))
        for _ in 0..<200 {
            if try condition() { return }
            _ = try pause.receive(milliseconds: 100)
        }
        throw ProgramRunError(description: "never \(what): \(try dokuen(["status"]).standardOutput)")
    }
}

extension InstanceStatus {
    /// The status without `rss_bytes` and `cpu_seconds`, which move while the app runs: what must stay exactly the
    /// same when nothing happened to the instance.
    var withoutUsage: InstanceStatus {
        var status = self
        status.rssBytes = nil
        status.cpuSeconds = nil
        return status
    }
}
