import DokuenAPI
import Foundation
import TestSupport

/// Waiting for what the daemon and its shims do on their own time: the test cannot hear them, so it looks again
/// after short pauses (a blocking receive on a socket nobody writes to), within a 20 s deadline.
extension DaemonHarness {
    /// `status --json` now.
    func statuses() throws -> [InstanceStatus] {
        try JSONDecoder().decode([InstanceStatus].self, from: Data(try dokuen(["status", "--json"]).stdout))
    }

    /// Reads `status --json` until `condition` holds; returns what it read last.
    @discardableResult
    func waitUntil(_ what: String, _ condition: ([InstanceStatus]) -> Bool) throws -> [InstanceStatus] {
        var last: [InstanceStatus] = []
        try waitFor(what) {
            last = try statuses()
            return condition(last)
        }
        return last
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
