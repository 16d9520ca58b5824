import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// The API boundary of control commands (a `ControlCommand` or 400, never a string passed on) and the change long
/// poll the harness awaits (`GET /v1/changes`).
@Suite(.serialized, .timeLimit(.minutes(3))) struct ControlAndChangesTests {
    func client(_ daemon: DaemonHarness) -> UnixHTTPClient {
        UnixHTTPClient(socketPath: daemon.root + "/run/dokuend.sock")
    }

    @Test(arguments: ["sfoo", "s", "s0", "s65", "s07", "u", "d", "x", "", "rr"])
    func aCommandThatIsNotAControlCommandIsRefused(_ command: String) throws {
        let daemon = try DaemonHarness(label: "control")
        defer { daemon.stop() }
        let body = try JSONEncoder().encode(ControlRequest(targets: ["blog"], command: command))
        let response = try client(daemon).send("POST", "/v1/control", body: Array(body))
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 400, "\(text)")
        #expect(text.contains("invalid control command \\\"\(command)\\\""), "\(text)")
    }

    /// A first call answers at once; a call after the current generation waits for the next change, which a
    /// reconcile pass (here: `dokuen apps create` makes none, `ps scale` does) announces; a quiet wait ends at its
    /// `wait`.
    @Test func changesAnswersAtOnceThenAtTheNextChange() throws {
        let daemon = try DaemonHarness(label: "changes")
        defer { daemon.stop() }
        let first = try daemon.changes(after: -1, waitMilliseconds: 0)
        #expect(try daemon.changes(after: first, waitMilliseconds: 50) == first, "nothing changed: the wait ends")
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array("worker: exec sleep 3600\n".utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        // Only web starts at a first deploy; kept for it (docs/DESIGN.md §2, Formation).
        #expect(try daemon.dokuen(["ps", "scale", "blog", "worker=1"]).status == .exited(0))
        #expect(try daemon.dokuen(["deploy", "blog", daemon.temp("app")]).status == .exited(0))
        let next = try daemon.changes(after: first, waitMilliseconds: 10_000)
        #expect(next > first)
        let bad = try client(daemon).send("GET", "/v1/changes?after=x")
        #expect(bad.status == 400)
    }
}
