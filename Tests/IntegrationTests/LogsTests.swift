import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// `dokuen logs` and `dokuen tail` against the real dokuend and real app processes: the last lines, merged with their
/// dyno, filtered, as NDJSON, followed across a restart, a rotation and a scale-up, and every bad input refused on
/// one line.
@Suite(.serialized, .timeLimit(.minutes(2))) struct LogsTests {
    /// The worker prints a line naming its run, then 20 numbered lines, then sleeps: its log's end is known. The web
    /// listens on its $PORT without a word (a web must: every cutover checks its port).
    static let procfile = """
        web: echo "web up on $PORT"; exec python3 -c 'import os, socket, time; s = socket.socket(); s.bind(("127.0.0.1", int(os.environ["PORT"]))); s.listen(); time.sleep(100000)'
        worker: echo "worker $$ starts"; i=1; while [ $i -le 20 ]; do echo "tick $i"; i=$((i+1)); done; exec sleep 100000
        """

    /// Deploys `blog` and waits until both instances have written their lines.
    func deploy(_ daemon: DaemonHarness) throws {
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array(Self.procfile.utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        // Only web starts at a first deploy; kept for it (docs/DESIGN.md §2, Formation).
        #expect(try daemon.dokuen(["ps", "scale", "blog", "worker=1"]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        try #require(deployed.status == .exited(0), "\(deployed.standardError)")
        let logs = daemon.root + "/apps/blog/logs/"
        try daemon.waitFor("the worker wrote tick 20") { read(logs + "worker.1.log").contains("tick 20\n") }
        try daemon.waitFor("web.1 wrote its first line") { read(logs + "web.1.log").contains("web up on ") }
    }

    func read(_ path: String) -> String { String(decoding: (try? Posix.readFile(path)) ?? [], as: UTF8.self) }

    /// The lines of a CLI's output, without the timestamps the shim may put in front of them.
    func untimed(_ text: String) -> [String] {
        text.split(separator: "\n").map { line in
            let timed = line.count > 25 && line.dropFirst(23).hasPrefix("Z ") && line.dropFirst(10).hasPrefix("T")
            return String(timed ? line.dropFirst(25) : line)
        }
    }

    /// The lines of `dokuen logs`, as `DYNO | LINE`: without their time, and without the padding of the dyno column
    /// (as wide as the widest dyno seen so far).
    func entries(_ text: String) -> [String] {
        untimed(text).map { line in
            guard let bar = line.range(of: " | ") else { return line }
            return line[..<bar.lowerBound].trimmingCharacters(in: .whitespaces) + " | " + line[bar.upperBound...]
        }
    }

    @Test func tailAndLogsPrintTheLastLinesWithTheirDyno() throws {
        let daemon = try DaemonHarness(label: "logs")
        defer { daemon.stop() }
        try deploy(daemon)

        let three = try daemon.dokuen(["tail", "-n", "3", "blog:worker.1"])
        #expect(three.status == .exited(0), "\(three.standardError)")
        #expect(untimed(three.standardOutput) == ["tick 18", "tick 19", "tick 20"])
        let ten = try daemon.dokuen(["tail", "blog:worker.1"])
        #expect(untimed(ten.standardOutput) == (11...20).map { "tick \($0)" }, "10 lines by default")

        let all = try daemon.dokuen(["logs", "blog"])
        #expect(all.status == .exited(0), "\(all.standardError)")
        let lines = entries(all.standardOutput)
        #expect(lines.count == 22, "\(lines)")
        #expect(lines.filter { $0.hasPrefix("web.1 | web up on ") }.count == 1, "\(lines)")
        #expect(lines.filter { $0.hasPrefix("worker.1 | ") }.count == 21)
        #expect(lines.filter { $0.hasPrefix("worker.1 | worker ") && $0.hasSuffix(" starts") }.count == 1)
        #expect(lines.filter { $0.hasPrefix("worker.1 | tick ") } == (1...20).map { "worker.1 | tick \($0)" })

        let workers = try daemon.dokuen(["logs", "blog", "--type", "worker", "-n", "2"])
        #expect(untimed(workers.standardOutput) == ["worker.1 | tick 19", "worker.1 | tick 20"])
        let webs = try daemon.dokuen(["logs", "blog", "--type", "web"])
        #expect(untimed(webs.standardOutput).allSatisfy { $0.hasPrefix("web.1 | ") }, "\(webs.standardOutput)")

        // Scripts get NDJSON: one object per line, as dokuend sends it.
        let json = try daemon.dokuen(["logs", "blog", "--type", "worker", "-n", "2", "--json"])
        let objects = try json.standardOutput.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["dyno"] as? String } == ["worker.1", "worker.1"])
        #expect(objects.map { $0["line"] as? String } == ["tick 19", "tick 20"])
        #expect(objects.allSatisfy { $0.keys.sorted() == ["dyno", "line", "time"] })
        let tailJSON = try daemon.dokuen(["tail", "-n", "1", "--json", "blog:worker.1"])
        #expect(tailJSON.standardOutput.hasPrefix("{\"dyno\":\"worker.1\",\"line\":\"tick 20\",\"time\":"))
    }

    @Test(arguments: [
        (["logs", "Bad"], 64, "dokuen: error: invalid app name \"Bad\""),
        (["logs", "nope"], 1, "dokuen: error: unable to find app nope: there is no app of that name"),
        (["logs", "blog", "--type", "we b"], 64, "dokuen: error: invalid process type \"we b\""),
        (["logs", "blog", "-n", "10001"], 64, "dokuen: error: invalid line count \"10001\""),
        (["tail", "blog:web.0"], 64, "dokuen: error: invalid target \"blog:web.0\""),
        (["tail", "-n", "-1", "blog:web.1"], 64, "dokuen: error: invalid line count \"-1\""),
        (["tail", "blog"], 64, "dokuen: error: invalid target \"blog\": tail takes one instance"),
        (["tail", "nope:web.1"], 1, "dokuen: error: unable to find app nope"),
        (
            ["tail", "blog:web.1"], 1,
            "dokuen: error: unable to read the log of blog:web.1: that instance has never run"
        ),
    ])
    func badInputIsRefusedOnOneLine(_ arguments: [String], _ code: Int32, _ message: String) throws {
        let daemon = try DaemonHarness(label: "badlogs")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        let result = try daemon.dokuen(arguments)
        #expect(result.status == .exited(code))
        #expect(result.standardError.hasPrefix(message), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").filter { $0.hasPrefix("dokuen: error:") }.count == 1)
        #expect(result.standardOutput == "")
    }

    /// The API checks what the CLI checks, for clients such as curl.
    @Test func theAPIRefusesBadQueries() throws {
        let daemon = try DaemonHarness(label: "apilogs")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        let client = UnixHTTPClient(socketPath: daemon.root + "/run/dokuend.sock")
        for (path, status) in [
            ("/v1/apps/Bad/logs", 400), ("/v1/apps/nope/logs", 404), ("/v1/apps/blog/logs?lines=-1", 400),
            ("/v1/apps/blog/logs?lines=x", 400), ("/v1/apps/blog/logs?type=web&index=0", 400),
            ("/v1/apps/blog/logs?index=1", 400), ("/v1/apps/blog/logs?type=a.b", 400),
            ("/v1/apps/blog/logs?follow=2", 400), ("/v1/apps/blog/logs?type=web&index=1", 404),
            ("/v1/apps/blog/logs", 200),
        ] {
            let response = try client.send("GET", path)
            #expect(response.status == status, "\(path)")
            let body = String(decoding: response.body, as: UTF8.self)
            if status == 200 {
                #expect(body == "", "an app that never ran has no lines")
            } else {
                let code = status == 404 ? "not_found" : "invalid"
                #expect(body.hasPrefix("{\"error\":{\"code\":\"\(code)\",\"message\":\""), "\(path): \(body)")
                #expect(body.hasSuffix("\"}}\n"), "\(path): \(body)")
            }
        }
    }

    /// `logs -f` and `tail -f` run in the background, see lines written after they started (a restart, a rotation,
    /// a scale-up), end on SIGINT like a Ctrl-C, and dokuend then stops watching.
    @Test func followSeesNewLinesAcrossRotationAndScaleUp() throws {
        let daemon = try DaemonHarness(label: "follow")
        defer { daemon.stop() }
        try deploy(daemon)
        let root = daemon.root
        let watchesBefore = try inotifyWatches(daemon)
        func follower(_ arguments: [String], into file: String) throws -> BackgroundProgram {
            try BackgroundProgram(
                "/bin/sh",
                ["-c", "exec \"$0\" \"$@\" > \(file)", daemon.bin + "/dokuen"] + arguments + ["--root", root],
                environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path])
        }
        let logs = try follower(["logs", "blog", "-f", "-n", "1", "--type", "worker"], into: daemon.temp("logs.out"))
        defer { logs.stop() }
        let tail = try follower(["tail", "-f", "-n", "1", "blog:worker.1"], into: daemon.temp("tail.out"))
        defer { tail.stop() }
        let everything = try follower(["logs", "blog", "-f", "-n", "0"], into: daemon.temp("all.out"))
        defer { everything.stop() }
        // The backlog line shows that each follower is watching.
        try daemon.waitFor("both followers printed their backlog") {
            read(daemon.temp("logs.out")).hasSuffix("worker.1 | tick 20\n")
                && read(daemon.temp("tail.out")).hasSuffix("tick 20\n")
        }

        // New lines from a new process: the restarted worker prints its 20 lines again.
        #expect(try daemon.dokuen(["restart", "blog:worker"]).status == .exited(0))
        try daemon.waitFor("the followers saw the restarted worker's lines") {
            read(daemon.temp("logs.out")).components(separatedBy: "| tick 20\n").count == 3
                && read(daemon.temp("tail.out")).components(separatedBy: "tick 20\n").count == 3
        }

        // A rotation, done as the shim does it: the last lines go to the file, it is renamed to .1, a new one starts.
        let log = root + "/apps/blog/logs/worker.1.log"
        try append("before rotation\n", to: log)
        try Posix.rename(log, log + ".1")
        try append("after rotation 1\nafter rotation 2\n", to: log)
        try daemon.waitFor("the followers read on across the rotation") {
            read(daemon.temp("logs.out")).hasSuffix(
                "worker.1 | before rotation\nworker.1 | after rotation 1\nworker.1 | after rotation 2\n")
                && read(daemon.temp("tail.out")).hasSuffix("before rotation\nafter rotation 1\nafter rotation 2\n")
        }

        // A scale-up: web.2's log appears, and the follower of the whole app picks it up.
        #expect(try daemon.dokuen(["ps", "scale", "blog", "web=2"]).status == .exited(0))
        try daemon.waitFor("the follower saw web.2") {
            entries(read(daemon.temp("all.out"))).contains { $0.hasPrefix("web.2 | web up on ") }
        }
        let seen = entries(read(daemon.temp("all.out")))
        #expect(seen.contains("worker.1 | after rotation 2"))
        #expect(seen.filter { $0.hasPrefix("worker.1 | tick ") } == (1...20).map { "worker.1 | tick \($0)" })
        #expect(!read(daemon.temp("logs.out")).contains("web."), "--type worker shows no web line")

        // Ctrl-C ends a follower; dokuend then drops its watches.
        for program in [logs, tail, everything] {
            try program.signal(SIGINT)
            #expect(try program.wait(milliseconds: 10_000) == .signaled(SIGINT))
            #expect(program.standardError == "")
        }
        try daemon.waitFor("dokuend stopped watching the logs directory") {
            try inotifyWatches(daemon) == watchesBefore
        }
    }

    /// How many inotify watches dokuend holds (from /proc/PID/fdinfo).
    func inotifyWatches(_ daemon: DaemonHarness) throws -> Int {
        let fds = "/proc/\(daemon.daemon.child.pid)/fdinfo"
        var count = 0
        for fd in try Posix.listDirectory(fds) {
            count += read(fds + "/" + fd).split(separator: "\n").filter { $0.hasPrefix("inotify wd:") }.count
        }
        return count
    }

    func append(_ text: String, to path: String) throws {
        let fd = try Posix.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o640)
        defer { Posix.close(fd) }
        try Posix.writeAll(fd, Array(text.utf8))
    }
}
