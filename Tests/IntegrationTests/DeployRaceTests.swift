import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A stop during a deploy (docs/DESIGN.md §2, "Verbs during a deploy"): it takes effect at once, `stop` says
/// `Stopped` only once nothing runs, and the deploy honours it: its release comes up with the app stopped, and says
/// so. Once during a first deploy (held in its release phase, before any instance starts) and once during a redeploy
/// (held while its web instance starts, before its port accepts). Each hold is a FIFO that the app's command reads
/// and the test writes once the stop is done. What runs is read from /proc, not from the daemon.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DeployRaceTests {
    @Test func stopDuringFirstDeployAndRedeployLeavesTheAppStopped() throws {
        let daemon = try DaemonHarness(label: "race")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        let app = daemon.temp("app")
        try Posix.mkdir(app)

        // A first deploy, held in its release phase.
        let first = daemon.temp("first")
        #expect(try runProgram("/usr/bin/mkfifo", ["-m", "0666", first]).status == .exited(0))
        try write(
            """
            release: read line < \(first)
            web: exec python3 -m http.server $PORT --bind 127.0.0.1
            worker: exec sleep 100001
            """, to: app + "/Procfile")
        try write(#"{"formation": {"worker": {"quantity": 1}}}"#, to: app + "/app.json")
        var deploy = try deploying(daemon, app)
        try release(first, daemon: daemon) {
            let stopped = try daemon.dokuen(["stop", "blog"])
            #expect(stopped.status == .exited(0), "\(stopped.standardError)")
            #expect(
                stopped.standardOutput.hasPrefix("Stopped blog\nDeploy 1 of blog (tarball)"),
                "\(stopped.standardOutput)")
            #expect(stopped.standardOutput.hasSuffix(" is still running; what it releases stays stopped too\n"))
        }
        var ended = try finished(deploy)
        #expect(ended.status == .exited(0), "\(ended.output)")
        #expect(
            ended.output.contains(
                "-----> Release v1 is released, but blog is stopped: none of it runs (dokuen start blog)\n"),
            "\(ended.output)")
        #expect(try processes(of: "blog", daemon).isEmpty)
        #expect(try daemon.dokuen(["releases", "blog"]).standardOutput.contains("v1"))

        // Started again, it runs v1; then a redeploy whose web holds before it listens.
        let started = try daemon.dokuen(["start", "blog"])
        #expect(started.status == .exited(0), "\(started.standardError)")
        let running = try processes(of: "blog", daemon)
        let status = try daemon.dokuen(["status"]).standardOutput
        #expect(running == ["web.1", "worker.1"], "\(status)")
        let second = daemon.temp("second")
        #expect(try runProgram("/usr/bin/mkfifo", ["-m", "0666", second]).status == .exited(0))
        try write(
            """
            web: read line < \(second); exec python3 -m http.server $PORT --bind 127.0.0.1
            worker: exec sleep 100002
            """, to: app + "/Procfile")
        deploy = try deploying(daemon, app)
        try release(second, daemon: daemon) {
            let stopped = try daemon.dokuen(["stop", "blog"])
            #expect(stopped.status == .exited(0), "\(stopped.standardError)")
            // The stop killed what held the deploy, which may have ended before stop returns: no line about it then.
            #expect(stopped.standardOutput.hasPrefix("Stopped blog\n"), "\(stopped.standardOutput)")
            // Nothing of either release runs once stop has said so.
            #expect(try processes(of: "blog", daemon).isEmpty)
        }
        ended = try finished(deploy)
        #expect(ended.status == .exited(0), "\(ended.output)")
        #expect(ended.output.contains("-----> Release v2 is released, but blog is stopped"), "\(ended.output)")
        #expect(try processes(of: "blog", daemon).isEmpty)

        // A stop of one type during a deploy is kept too, and the release says which instances are stopped.
        #expect(try daemon.dokuen(["start", "blog"]).status == .exited(0))
        try write(
            "web: exec python3 -m http.server $PORT --bind 127.0.0.1\nworker: exec sleep 100003\n",
            to: app + "/Procfile")
        #expect(try daemon.dokuen(["stop", "blog:worker"]).status == .exited(0))
        let third = try daemon.dokuen(["deploy", "blog", app])
        #expect(third.status == .exited(0), "\(third.standardError)")
        #expect(
            third.standardOutput.contains("-----> Release v3 is up (")
                && third.standardOutput.contains("), with stopped instances: worker 0/1\n"),
            "\(third.standardOutput)")
        #expect(try processes(of: "blog", daemon) == ["web.1"])
    }

    /// Starts `dokuen deploy blog APP` in the background.
    private func deploying(_ daemon: DaemonHarness, _ app: String) throws -> BackgroundProgram {
        try BackgroundProgram(
            daemon.bin + "/dokuen", ["deploy", "blog", app, "--root", daemon.root],
            environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path])
    }

    /// Waits (60 s at most) until the app's command opened `fifo` to read, runs `during`, then lets it go on.
    private func release(_ fifo: String, daemon: DaemonHarness, during: () throws -> Void) throws {
        var writer: Int32 = -1
        // Opening a FIFO to write without blocking fails (ENXIO) until a reader has it open.
        try daemon.waitFor("the deploy's command reading \(fifo)") {
            writer = (try? Posix.open(fifo, [.writeOnly, .nonBlocking])) ?? -1
            return writer >= 0
        }
        defer { Posix.close(writer) }
        try during()
        // The reader may be gone (a stop killed it): EPIPE then, not SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        _ = try? Posix.writeAll(writer, Array("go\n".utf8))
    }

    private func finished(_ deploy: BackgroundProgram) throws -> (status: DokuenPosix.ExitStatus?, output: String) {
        let status = try deploy.wait(milliseconds: 120_000)
        defer { deploy.stop() }
        return (status, deploy.standardOutput + deploy.standardError)
    }

    private func write(_ text: String, to path: String) throws {
        try AtomicFile.write(Array(text.utf8), to: path, mode: 0o644)
    }

    /// The DYNO (`web.1`) of every live process whose environment names `app`, from /proc.
    private func processes(of app: String, _ daemon: DaemonHarness) throws -> [String] {
        ProcScan.instances(root: daemon.root).filter { $0.app == app }.map(\.dyno).sorted()
    }
}
