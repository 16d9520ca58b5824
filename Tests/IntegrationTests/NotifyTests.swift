import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// Alerts through the real dokuend, curl and a real HTTP receiver (docs/ALERTS.md): one "firing" for an instance that
/// crash-loops and one "resolved" when it runs again, across a restart of dokuend; a receiver that hangs or refuses does not slow a deploy, and the
/// refusing channel shows as failing in `notify list` until it recovers; targets are checked before anything is
/// stored.
@Suite(.serialized, .timeLimit(.minutes(4))) struct NotifyTests {
    static let repository = String(#filePath.prefix(upTo: #filePath.range(of: "/Tests/")!.lowerBound))
    static let receiverScript = repository + "/Tests/Fixtures/notify/receiver.py"

    /// Serves `$PORT` unless `$DOKUEN_DATA_DIR/crash` exists, in which case it exits 1 at once, every time.
    static let server = """
        import http.server, os, sys
        if os.path.exists(os.path.join(os.environ["DOKUEN_DATA_DIR"], "crash")):
            sys.exit(1)
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), http.server.SimpleHTTPRequestHandler).serve_forever()
        """

    /// A receiver (`record` or `hang`) on `port`, awaited until it listens.
    final class Receiver {
        let program: BackgroundProgram
        let events: NotifySocket
        let directory: String

        init(_ mode: String, port: Int, in temp: TemporaryDirectory, name: String) throws {
            directory = temp(name)
            try Posix.mkdir(directory)
            events = try NotifySocket(path: temp(name + ".sock"))
            program = try BackgroundProgram(
                "/usr/bin/python3", [NotifyTests.receiverScript, mode, String(port), directory, events.path],
                environment: ["PATH": "/usr/bin:/bin"])
            guard try events.waitFor("listening", milliseconds: 20_000) != nil else {
                program.stop()
                throw ProgramRunError(description: "the receiver did not listen: \(program.standardError)")
            }
        }

        /// Awaits the receiver's report of request `number`.
        func awaitRequest(_ number: Int, milliseconds: Int32 = 60_000) throws {
            let end = monotonicMilliseconds() + Int64(milliseconds)
            while (try? Posix.lstat(directory + String(format: "/%04d.json", number))) == nil {
                let left = end - monotonicMilliseconds()
                guard left > 0, try events.receive(milliseconds: Int32(left)) != nil else {
                    throw ProgramRunError(description: "request \(number) never came; \(try count()) came")
                }
            }
        }

        func count() throws -> Int { try Posix.listDirectory(directory).filter { $0.hasSuffix(".json") }.count }

        /// Request `number` as the receiver wrote it: its headers, and its body decoded as an alert.
        func request(_ number: Int) throws -> (headers: [String: String], body: String) {
            struct Record: Decodable {
                var headers: [String: String]
                var body: String
            }
            let record = try JSONDecoder().decode(
                Record.self, from: Data(try Posix.readFile(directory + String(format: "/%04d.json", number))))
            return (record.headers, record.body)
        }

        /// The path request `number` went to.
        func requestPath(_ number: Int) throws -> String {
            struct Record: Decodable { var path: String }
            let record = try JSONDecoder().decode(
                Record.self, from: Data(try Posix.readFile(directory + String(format: "/%04d.json", number))))
            return record.path
        }

        func alert(_ number: Int) throws -> Alert {
            try JSONDecoder().decode(Alert.self, from: Data(try request(number).body.utf8))
        }

        deinit { program.stop() }
    }

    struct Alert: Decodable {
        var alert: String
        var status: String
        var app: String?
        var summary: String
        var action: String
        var at: String
    }

    func channels(_ daemon: DaemonHarness) throws -> [NotifyChannel] {
        let listed = try daemon.dokuen(["notify", "list", "--json"])
        #expect(listed.status == .exited(0), "\(listed.standardError)")
        return try JSONDecoder().decode([NotifyChannel].self, from: Data(listed.stdout))
    }

    @Test func badTargetsAreRefusedAndNothingIsStored() throws {
        let daemon = try DaemonHarness(label: "ntf-refuse")
        defer { daemon.stop() }
        let refusals: [([String], String)] = [
            (["webhook", "ftp://example.com/x"], #"invalid webhook URL "ftp://example.com/x": it must start with"#),
            (["webhook", "http:///x"], #"invalid webhook URL "http:///x": it has no host"#),
            (["webhook", "http://example.com/a b"], "contains a space"),
            (["webhook", "http://example.com/a;b"], "its path contains"),
            (["ntfy", "https://ntfy.sh/x\"y"], #"invalid ntfy URL"#),
            (["webhook", "http://example.com/a\nb"], "invalid webhook URL"),
            (["email", "ops;rm@example.com"], #"invalid e-mail address "ops;rm@example.com""#),
            (["email", "ops@localhost"], "its domain has no dot"),
            (["email", "ops"], "it takes one @"),
        ]
        for (arguments, message) in refusals {
            let result = try daemon.dokuen(["notify", "add"] + arguments)
            #expect(result.status == .exited(1), "\(arguments)")
            #expect(result.standardError.hasPrefix("dokuen: error: invalid "), "\(result.standardError)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        }
        let kind = try daemon.dokuen(["notify", "add", "sms", "+3312345678"])
        #expect(kind.status == .exited(64))
        #expect(kind.standardError.hasPrefix(#"dokuen: error: invalid channel kind "sms": it takes webhook"#))
        #expect(try channels(daemon).isEmpty)
        #expect(!(try daemon.dokuen(["events"]).standardOutput.contains("notify.add")))

        let added = try daemon.dokuen(["notify", "add", "webhook", "https://hooks.example.com/x?token=a1&b=2"])
        #expect(added.status == .exited(0), "\(added.standardError)")
        let twice = try daemon.dokuen(["notify", "add", "webhook", "https://hooks.example.com/x?token=a1&b=2"])
        #expect(twice.status == .exited(1) && twice.standardError.contains("exists already"))
        #expect(try daemon.dokuen(["notify", "add", "email", "ops@example.com"]).status == .exited(0))
        #expect(try channels(daemon).map(\.target) == ["https://hooks.example.com/x?token=a1&b=2", "ops@example.com"])
        #expect(try daemon.dokuen(["notify", "remove", "1"]).status == .exited(0))
        #expect(try daemon.dokuen(["notify", "remove", "1"]).status == .exited(1))
        #expect(try channels(daemon).map(\.id) == [2])
    }

    @Test func aCrashLoopingInstanceAlertsOnceAndResolvesOnce() throws {
        let daemon = try DaemonHarness(label: "ntf-fatal")
        defer { daemon.stop() }
        let port = freeTCPPort()
        let receiver = try Receiver("record", port: port, in: daemon.temp, name: "hook")
        let app = "ntf-crash"
        let added = try daemon.dokuen(["notify", "add", "webhook", "http://127.0.0.1:\(port)/hook"])
        #expect(added.status == .exited(0), "\(added.standardError)")

        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array("web: exec python3 server.py\n".utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array(Self.server.utf8), to: daemon.temp("app/server.py"))
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", app, daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        let running = try daemon.waitUntil("web.1 RUNNING") {
            $0.contains { $0.app == app && $0.state == "RUNNING" }
        }

        // From now on it exits at once: a kill starts the crash loop.
        let mark = daemon.root + "/apps/\(app)/data/crash"
        try AtomicFile.write([], to: mark)
        let pid = try #require(running.first { $0.app == app }?.pid)
        try Posix.kill(pid, SIGKILL)
        try receiver.awaitRequest(1)
        let firing = try receiver.alert(1)
        #expect(firing.alert == "instance.crashloop" && firing.status == "firing" && firing.app == app, "\(firing)")
        #expect(firing.summary.hasPrefix("web.1 of \(app) (v1) is "), "\(firing.summary)")
        #expect(firing.action.contains("dokuen logs \(app)"), "\(firing.action)")
        #expect(try receiver.request(1).headers["content-type"] == "application/json")

        // dokuend restarts while the episode is open: the store has it, so the new daemon neither fires it again nor
        // forgets to resolve it.
        try daemon.restart()
        // It keeps crashing (now FATAL or BACKOFF): the episode is open, nothing more is sent. Then it is fixed.
        try daemon.waitUntil("web.1 crash-looping on") { statuses in
            statuses.contains { $0.app == app && $0.restarts >= 4 }
        }
        try Posix.unlink(mark)
        let restarted = try daemon.dokuen(["restart", app])
        #expect(restarted.status == .exited(0), "\(restarted.standardOutput)\(restarted.standardError)")
        try daemon.waitUntil("web.1 RUNNING again") { $0.contains { $0.app == app && $0.state == "RUNNING" } }
        try receiver.awaitRequest(2)
        let resolved = try receiver.alert(2)
        #expect(resolved.alert == "instance.crashloop" && resolved.status == "resolved" && resolved.app == app)
        #expect(resolved.summary.contains("runs again"), "\(resolved.summary)")

        // Exactly those two: the next request is the test message.
        let tested = try daemon.dokuen(["notify", "test"])
        #expect(tested.status == .exited(0), "\(tested.standardOutput)\(tested.standardError)")
        #expect(tested.standardOutput.hasSuffix("\tsent\n"), "\(tested.standardOutput)")
        try receiver.awaitRequest(3)
        #expect(try receiver.alert(3).alert == "test")
        #expect(try receiver.count() == 3)
    }

    /// One receiver accepts and never answers (curl's limit is 120 s), another port refuses: a failed deploy and the
    /// good deploy after it go at their own pace (the second within the CLI's 60 s deadline), the refusing channel
    /// shows as failing with curl's error and a next retry, and once something listens there, `notify test` ends the
    /// failing state and what waited (the failure and its resolution) arrives.
    @Test func aReceiverThatIsDownDoesNotSlowADeploy() throws {
        let daemon = try DaemonHarness(label: "ntf-down", options: ["--notify-timeout", "120"])
        defer { daemon.stop() }
        let hanging = freeTCPPort()
        let hang = try Receiver("hang", port: hanging, in: daemon.temp, name: "hang")
        let refusing = freeTCPPort()
        #expect(try daemon.dokuen(["notify", "add", "webhook", "http://127.0.0.1:\(hanging)/"]).status == .exited(0))
        #expect(try daemon.dokuen(["notify", "add", "webhook", "http://127.0.0.1:\(refusing)/"]).status == .exited(0))
        let app = "ntf-down"
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))

        // No Procfile and nothing a buildpack detects: the deploy fails, and deploy.failed fires.
        try Posix.mkdir(daemon.temp("bad"))
        try AtomicFile.write(Array("nothing to run\n".utf8), to: daemon.temp("bad/README"))
        #expect(try daemon.dokuen(["deploy", app, daemon.temp("bad")]).status == .exited(1))
        try Posix.mkdir(daemon.temp("good"))
        try AtomicFile.write(
            Array("web: exec python3 -m http.server $PORT --bind 127.0.0.1\n".utf8), to: daemon.temp("good/Procfile"))
        let good = try daemon.dokuen(["deploy", app, daemon.temp("good")], deadlineSeconds: 60)
        #expect(good.status == .exited(0), "\(good.standardOutput)\(good.standardError)")

        var failing: NotifyChannel?
        // Failing, with the failure and its resolution waiting (the Notifier hears of the second deploy just after it).
        try daemon.waitFor("the refusing channel failing with two messages waiting") {
            failing = try channels(daemon).first {
                $0.target.contains(":\(refusing)/") && $0.failing && $0.pending == 2
            }
            return failing != nil
        }
        let channel = try #require(failing)
        #expect(channel.failures >= 1 && channel.failingSince != nil && channel.nextRetry != nil)
        #expect(channel.lastError?.hasPrefix("curl exited 7") == true, "\(channel.lastError ?? "")")
        let listed = try daemon.dokuen(["notify", "list"]).standardOutput
        #expect(listed.contains("\thttp://127.0.0.1:\(refusing)/\tfailing since "), "\(listed)")
        #expect(listed.contains("\terror: curl exited 7"), "\(listed)")
        // The hanging one is still on its first send: not failing. Its curl waits, with the URL in a file, not on
        // its command line, which every local user can read (a hook's URL is often its secret).
        #expect(try channels(daemon).first { $0.target.contains(":\(hanging)/") }?.failing == false)
        let curls = ProcScan.commandLines().filter { $0.contains("curl") && $0.contains("--config") }
        #expect(!curls.isEmpty && !curls.contains { $0.contains("127.0.0.1:\(hanging)") }, "\(curls)")
        _ = hang

        // It comes back: the test goes through, the failing state ends, and the waiting messages follow.
        let receiver = try Receiver("record", port: refusing, in: daemon.temp, name: "back")
        let tested = try daemon.dokuen(["notify", "test", String(channel.id)])
        #expect(tested.status == .exited(0), "\(tested.standardOutput)\(tested.standardError)")
        try receiver.awaitRequest(3)
        let alerts = try (1...3).map { try receiver.alert($0) }
        #expect(alerts[0].alert == "test")
        #expect(alerts[1].alert == "deploy.failed" && alerts[1].status == "firing" && alerts[1].app == app)
        #expect(alerts[2].alert == "deploy.failed" && alerts[2].status == "resolved")
        try daemon.waitFor("the channel recovered") {
            try channels(daemon).first { $0.id == channel.id }.map { !$0.failing && $0.pending == 0 } ?? false
        }
    }

    /// An ntfy channel against a real local HTTP receiver: the alert's title, priority and tags are headers, the body
    /// is its summary and what to do.
    @Test func ntfyGetsTitlePriorityAndTags() throws {
        let daemon = try DaemonHarness(label: "ntf-ntfy")
        defer { daemon.stop() }
        let port = freeTCPPort()
        let receiver = try Receiver("record", port: port, in: daemon.temp, name: "ntfy")
        #expect(
            try daemon.dokuen(["notify", "add", "ntfy", "http://127.0.0.1:\(port)/home-server"]).status == .exited(0))
        let app = "ntf-topic"
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        try Posix.mkdir(daemon.temp("bad"))
        try AtomicFile.write(Array("nothing to run\n".utf8), to: daemon.temp("bad/README"))
        #expect(try daemon.dokuen(["deploy", app, daemon.temp("bad")]).status == .exited(1))
        try receiver.awaitRequest(1)
        let (headers, body) = try receiver.request(1)
        #expect(headers["title"] == "[dokuen] FIRING deploy.failed: \(app)", "\(headers)")
        #expect(headers["priority"] == "high" && headers["tags"] == "rotating_light", "\(headers)")
        #expect(body.hasPrefix("A deploy of \(app) failed: "), "\(body)")
        #expect(body.contains("\nWhat to do: Read the deploy's output"), "\(body)")
        #expect(try receiver.requestPath(1) == "/home-server")
    }

    /// A python3 with PyPI's aiosmtpd: the venv scripts/test prepares (`.build/python-test`), made here when missing.
    static func smtpPython() throws -> String {
        let venv = repository + "/.build/python-test"
        let python = venv + "/bin/python3"
        // No venv yet: runProgram throws (no such file), which is "missing" too.
        if (try? runProgram(python, ["-c", "import aiosmtpd"]))?.status == .exited(0) { return python }
        let made = try runProgram("/usr/bin/python3", ["-m", "venv", venv], deadlineSeconds: 120)
        try #require(made.status == .exited(0), "python3 -m venv: \(made.standardError)")
        let pip = try runProgram(
            venv + "/bin/pip", ["install", "--quiet", "--disable-pip-version-check", "aiosmtpd==1.4.6"],
            deadlineSeconds: 300)
        try #require(pip.status == .exited(0), "pip install aiosmtpd: \(pip.standardError)")
        return python
    }

    /// E-mail through the host's sendmail: Debian's msmtp (behind a wrapper with its own configuration, as
    /// dokuend --sendmail) relays to an aiosmtpd sink, which receives the test message and a deploy failure's alert.
    @Test func anAlertArrivesByEmailThroughMsmtp() throws {
        let temp = try TemporaryDirectory("ntf-mail")
        defer { temp.remove() }
        let port = freeTCPPort()
        try Posix.mkdir(temp("mail"))
        let events = try NotifySocket(path: temp("mail.sock"))
        let sink = try BackgroundProgram(
            try Self.smtpPython(),
            [Self.repository + "/Tests/Fixtures/notify/smtp_sink.py", String(port), temp("mail"), events.path],
            environment: ["PATH": "/usr/bin:/bin"])
        defer { sink.stop() }
        let listening = try events.waitFor("listening", milliseconds: 30_000)
        try #require(listening != nil, "the SMTP sink did not listen: \(sink.standardError)")
        let configuration = """
            account default
            host 127.0.0.1
            port \(port)
            from dokuen@example.com
            auth off
            tls off
            """
        try AtomicFile.write(Array(configuration.utf8), to: temp("msmtprc"), mode: 0o600)
        try AtomicFile.write(
            Array("#!/bin/sh\nexec /usr/bin/msmtp -C \(temp("msmtprc")) \"$@\"\n".utf8), to: temp("sendmail"),
            mode: 0o755)

        let daemon = try DaemonHarness(label: "ntf-mail", options: ["--sendmail", temp("sendmail")])
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["notify", "add", "email", "ops@example.com"]).status == .exited(0))
        let tested = try daemon.dokuen(["notify", "test"])
        #expect(tested.status == .exited(0), "\(tested.standardOutput)\(tested.standardError)")
        let app = "ntf-mail"
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        try Posix.mkdir(daemon.temp("bad"))
        try AtomicFile.write(Array("nothing to run\n".utf8), to: daemon.temp("bad/README"))
        #expect(try daemon.dokuen(["deploy", app, daemon.temp("bad")]).status == .exited(1))

        let end = monotonicMilliseconds() + 60_000
        while (try? Posix.lstat(temp("mail/0002.eml"))) == nil {
            let left = end - monotonicMilliseconds()
            guard left > 0, try events.receive(milliseconds: Int32(left)) != nil else {
                Issue.record("the alert's e-mail never came: \(try daemon.dokuen(["notify", "list"]).standardOutput)")
                return
            }
        }
        let test = String(decoding: try Posix.readFile(temp("mail/0001.eml")), as: UTF8.self)
        #expect(test.contains("Subject: [dokuen] FIRING test"), "\(test)")
        let mail = String(decoding: try Posix.readFile(temp("mail/0002.eml")), as: UTF8.self)
        #expect(mail.hasPrefix("X-Envelope-To: ops@example.com\r\n"), "\(mail)")
        #expect(mail.contains("Subject: [dokuen] FIRING deploy.failed: \(app)"), "\(mail)")
        #expect(mail.contains("X-Dokuen-Alert: deploy.failed"), "\(mail)")
        #expect(mail.contains("A deploy of \(app) failed: "), "\(mail)")
        #expect(mail.contains("What to do: Read the deploy's output"), "\(mail)")
    }
}
