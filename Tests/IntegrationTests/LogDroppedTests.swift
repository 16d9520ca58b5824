import DokuenAPI
import DokuenCore
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// A full log disk under a real daemon: `status` shows what is dropped, the event log says so once per episode, and
/// the log says what was lost once there is room again (docs/SHIM.md, Logs).
@Suite(.timeLimit(.minutes(3))) struct LogDroppedTests {
    @Test(.enabled(if: TinyDisk.mountable, "needs root and permission to mount a tmpfs"))
    func statusAndEventsShowAFullLogDisk() throws {
        let daemon = try DaemonHarness(label: "diskfull")
        var disk: TinyDisk?
        defer {
            disk?.unmount()
            daemon.stop()
        }
        let go = daemon.temp("go")
        #expect(try runProgram("/usr/bin/mkfifo", ["-m", "666", go]).status == .exited(0))
        // The worker writes 1000 lines, then one more once told (the FIFO), then idles.
        let procfile = """
            web: exec python3 -m http.server $PORT --bind 127.0.0.1
            worker: seq -f %099g 1 1000; read line < \(go); echo after; exec sleep 100000
            """
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array(procfile.utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        #expect(try daemon.dokuen(["ps", "scale", "blog", "worker=1"]).status == .exited(0))
        let logs = daemon.root + "/apps/blog/logs"
        disk = try TinyDisk(mountingOn: logs, kilobytes: 64, mode: "0750")
        try disk?.fill()

        let deployed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        try #require(deployed.status == .exited(0), "\(deployed.standardError)")
        let dropping = try daemon.waitUntil("the worker dropped its 1000 lines") { statuses in
            statuses.contains { $0.type == "worker" && $0.logDropping && $0.logDroppedBytes >= 100_000 }
        }
        let worker = try #require(dropping.first { $0.type == "worker" })
        #expect(worker.state == "RUNNING")
        let status = try daemon.dokuen(["status", "blog:worker"]).standardOutput
        #expect(status.contains(", log: \(ByteSize.text(worker.logDroppedBytes)) dropped (disk full)"), "\(status)")
        let json = try daemon.dokuen(["status", "--json", "blog:worker"]).standardOutput
        #expect(json.contains("\"log_dropped_bytes\""), "\(json)")

        func workerEvents() throws -> [EventEntry] {
            try JSONDecoder().decode(
                [EventEntry].self, from: Data(try daemon.dokuen(["events", "--json", "blog"]).stdout)
            ).filter { $0.action == "log.dropped" && $0.detail.hasPrefix("worker.1@") }
        }
        #expect(try workerEvents().count == 1, "one event for the episode, not one per status change")

        try disk?.free()
        #expect(try runProgram("/bin/sh", ["-c", "echo go > \(go)"]).status == .exited(0))
        let resumed = try daemon.waitUntil("the worker wrote again") { statuses in
            statuses.contains { $0.type == "worker" && !$0.logDropping }
        }
        #expect(resumed.first { $0.type == "worker" }?.logDroppedBytes == worker.logDroppedBytes)
        let log = String(decoding: try Posix.readFile(logs + "/worker.1.log"), as: UTF8.self)
        let lines = log.split(separator: "\n")
        #expect(lines.count == 2, "\(lines)")
        #expect(
            lines.first?.hasSuffix(
                "dokuen-shim: \(worker.logDroppedBytes) bytes (1000 lines) dropped while the disk was full") == true)
        #expect(lines.last?.hasSuffix("after") == true)
        #expect(try workerEvents().count == 1)
        let text = try daemon.dokuen(["status", "blog:worker"]).standardOutput
        #expect(text.contains(", log: \(ByteSize.text(worker.logDroppedBytes)) dropped\n"), "\(text)")
    }
}
