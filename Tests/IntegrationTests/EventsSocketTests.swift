import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `run/events.sock` removed under a running dokuend (a cleanup script, a mistaken `rm`): it is bound again at once,
/// and the next shim event still reaches the daemon, which writes the app's unexpected exit to the event log (only
/// the events listener writes `instance.exit`).
@Suite(.serialized, .timeLimit(.minutes(2))) struct EventsSocketTests {
    @Test func aRemovedEventsSocketIsBoundAgain() throws {
        let daemon = try DaemonHarness(label: "events-sock")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "evsock"]).status == .exited(0))
        let app = daemon.temp("app")
        try Posix.mkdir(app)
        try AtomicFile.write(Array("worker: exec sleep 100007\n".utf8), to: app + "/Procfile", mode: 0o644)
        #expect(try daemon.dokuen(["ps", "scale", "evsock", "worker=1"]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", "evsock", app])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        let first = try daemon.waitUntil("worker.1 RUNNING") { statuses in
            statuses.contains { $0.app == "evsock" && $0.state == "RUNNING" && $0.pid != nil }
        }
        let pid = try #require(first.first { $0.app == "evsock" }?.pid)

        let socket = daemon.root + "/run/events.sock"
        let before = try #require(try Posix.lstat(socket))
        try Posix.unlink(socket)
        try daemon.waitFor("events.sock bound again") {
            guard let now = try Posix.lstat(socket) else { return false }
            return now.inode != before.inode && now.permissions & 0o777 == 0o600
        }

        // The shim's next event (the app killed, restarted at once) reaches the daemon through the new socket.
        _ = try Posix.kill(pid, SIGKILL)
        try daemon.waitFor("instance.exit in the event log") {
            try daemon.dokuen(["events", "evsock"]).standardOutput.contains("instance.exit")
        }
    }
}
