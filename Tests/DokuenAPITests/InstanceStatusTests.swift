import DokuenAPI
import Foundation
import Testing

/// `GET /v1/status` entries: every key written, and an older daemon's answer, without the keys added since, still
/// read.
@Suite struct InstanceStatusTests {
    @Test func anOlderDaemonsEntryReadsWithNothingDropped() throws {
        let json = """
            {"app": "blog", "type": "web", "index": 1, "release": "v3", "state": "RUNNING", "pid": 12, "shim_pid": 11,
             "port": 5000, "since": 1795412173, "restarts": 0, "exit": null, "rss_bytes": null, "cpu_seconds": null}
            """
        let status = try JSONDecoder().decode(InstanceStatus.self, from: Data(json.utf8))
        #expect(status.logDroppedBytes == 0 && !status.logDropping)
        #expect(status.pid == 12 && status.port == 5000 && status.exit == nil)
    }

    @Test func droppedBytesRoundTrip() throws {
        let status = InstanceStatus(
            app: "blog", type: "web", index: 1, release: "v3", state: "RUNNING", pid: nil, shimPID: nil, port: nil,
            since: 0, restarts: 0, exit: nil, logDroppedBytes: 1_524_710, logDropping: true)
        let data = try JSONEncoder().encode(status)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"log_dropped_bytes\":1524710") && text.contains("\"log_dropping\":true"), "\(text)")
        #expect(try JSONDecoder().decode(InstanceStatus.self, from: data) == status)
    }
}
