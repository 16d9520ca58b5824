import Testing

@testable import DokuenSupervision

@Suite struct ShimOptionsTests {
    @Test func defaultsAndTheCommand() throws {
        let options = try ShimOptions.parse(["--dir", "/s", "--", "sleep", "--", "1"])
        #expect(options.directory == "/s")
        #expect(options.logPath == "/s/log")
        #expect(options.command == ["sleep", "--", "1"])
        #expect(options.machine == ShimMachine.Settings())
        #expect(options.logMaxBytes == 10 << 20 && options.logBackups == 5 && !options.logTimestamps)
    }

    @Test func everyOption() throws {
        let options = try ShimOptions.parse([
            "--dir", "/s", "--log", "/l", "--log-max-bytes", "0", "--log-backups", "2", "--log-timestamps",
            "--cwd", "/w", "--user", "app", "--events", "/e", "--restart", "on-failure", "--ok-exit", "0,3",
            "--backoff", "10", "--backoff-max", "20", "--stable-after", "30", "--fatal-after", "4",
            "--fatal-retry", "50", "--stop-signal", "SIGQUIT", "--stop-timeout", "60", "--ready-port", "8080",
            "--start-timeout", "70", "--down", "--", "x",
        ])
        #expect(options.logPath == "/l" && options.logMaxBytes == 0 && options.logBackups == 2 && options.logTimestamps)
        #expect(options.workingDirectory == "/w" && options.user == "app" && options.eventsSocket == "/e")
        var settings = ShimMachine.Settings()
        settings.restart = .onFailure(okCodes: [0, 3])
        settings.backoff.initial = 10
        settings.backoff.maximum = 20
        settings.backoff.stableAfter = 30
        settings.backoff.fatalAfter = 4
        settings.backoff.fatalRetry = 50
        settings.stopSignal = 3
        settings.stopTimeout = 60
        settings.readiness = .port(8080)
        settings.startTimeout = 70
        settings.startDown = true
        #expect(options.machine == settings)
    }

    /// `--nice` and `--limit` (issue 12): niceness 0 and no limits unless given; limits keep their order.
    @Test func niceAndLimits() throws {
        let defaults = try ShimOptions.parse(["--dir", "/s", "--", "x"])
        #expect(defaults.nice == 0 && defaults.limits == [])
        let options = try ShimOptions.parse([
            "--dir", "/s", "--nice", "-5", "--limit", "nofile=4096", "--limit", "core=unlimited", "--limit",
            "nproc=0", "--", "x",
        ])
        #expect(options.nice == -5)
        #expect(
            options.limits == [
                .init(resource: .nofile, value: 4096), .init(resource: .core, value: nil),
                .init(resource: .nproc, value: 0),
            ])
        #expect(options.limits.map(\.argument) == ["nofile=4096", "core=unlimited", "nproc=0"])
    }

    static let limitUsage =
        "--limit takes NAME=VALUE with NAME nofile, nproc or core and VALUE a whole number or unlimited"

    @Test(arguments: [
        (["--nice", "20"], "--nice takes a whole number from -20 to 19, got '20'"),
        (["--nice", "-21"], "--nice takes a whole number from -20 to 19, got '-21'"),
        (["--nice", "low"], "--nice takes a whole number from -20 to 19, got 'low'"),
        (["--limit", "nofile"], limitUsage + ", got 'nofile'"),
        (["--limit", "stack=1"], limitUsage + ", got 'stack=1'"),
        (["--limit", "nofile=-1"], limitUsage + ", got 'nofile=-1'"),
        (["--limit", "nproc=lots"], limitUsage + ", got 'nproc=lots'"),
        (["--limit", "=5"], limitUsage + ", got '=5'"),
    ])
    func rejectsNiceAndLimits(_ arguments: [String], _ message: String) {
        do {
            let options = try ShimOptions.parse(["--dir", "/s"] + arguments + ["--", "x"])
            Issue.record("accepted \(options)")
        } catch {
            #expect(error.message == message)
        }
    }

    @Test(arguments: [
        (["--", "x"], "--dir is required"),
        (["--dir", "/s"], "no program given"),
        (["--dir", "/s", "--"], "no program given"),
        (["--dir"], "--dir needs a value"),
        (["--dir", "/s", "--bogus", "--", "x"], "unknown option '--bogus'"),
        (["--dir", "/s", "--restart", "sometimes", "--", "x"], "--restart takes always, on-failure or never"),
        (["--dir", "/s", "--ok-exit", "0,,1", "--", "x"], "--ok-exit takes exit codes"),
        (["--dir", "/s", "--ok-exit", "256", "--", "x"], "--ok-exit takes exit codes"),
        (["--dir", "/s", "--stop-signal", "NOPE", "--", "x"], "--stop-signal takes a signal name or number"),
        (["--dir", "/s", "--stop-timeout", "-1", "--", "x"], "--stop-timeout takes a whole number from 0"),
        (["--dir", "/s", "--ready-fd", "2", "--", "x"], "--ready-fd takes a whole number from 3 to 1023"),
        (["--dir", "/s", "--backoff", "100", "--backoff-max", "10", "--", "x"], "--backoff-max must be at least"),
        (["--dir", "/s", "--limit"], "--limit needs a value"),
        (["--dir", "/s", "--nice"], "--nice needs a value"),
    ])
    func rejects(_ arguments: [String], _ message: String) {
        do {
            let options = try ShimOptions.parse(arguments)
            Issue.record("accepted \(options)")
        } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test func resolvesProgramsOnThePath() {
        let executables: Set = ["/b/tool", "/c/tool", "/c/other"]
        #expect(ShimOptions.resolve("tool", searchPath: "/a:/b:/c") { executables.contains($0) } == "/b/tool")
        #expect(ShimOptions.resolve("other", searchPath: "/a::/c") { executables.contains($0) } == "/c/other")
        #expect(ShimOptions.resolve("./x", searchPath: "/a") { _ in false } == "./x")
        #expect(ShimOptions.resolve("none", searchPath: "/a:/b") { executables.contains($0) } == nil)
    }

    /// dokuend builds the shim's command line with `arguments()`; the shim must read back exactly those options.
    @Test(arguments: [
        ["--dir", "/s", "--", "sleep", "1"],
        ["--dir", "/s", "--log", "/l/web.1.log", "--log-timestamps", "--user", "dokuen", "--cwd", "/b", "--", "x"],
        ["--dir", "/s", "--restart", "on-failure", "--ok-exit", "0,2", "--ready-notify", "--down", "--", "x", "--"],
        ["--dir", "/s", "--restart", "never", "--ready-port", "5001", "--stop-signal", "INT", "--", "x"],
        ["--dir", "/s", "--ready-fd", "3", "--events", "/e.sock", "--backoff", "5", "--backoff-max", "5", "--", "x"],
        ["--dir", "/s", "--nice", "-20", "--limit", "nproc=100", "--limit", "nofile=unlimited", "--", "x"],
        ["--dir", "/s", "--nice", "19", "--limit", "core=0", "--limit", "core=unlimited", "--", "x"],
        ["--dir", "/s", "--nice", "0", "--", "x"],
    ])
    func argumentsRoundTrip(_ arguments: [String]) throws {
        let options = try ShimOptions.parse(arguments)
        #expect(try ShimOptions.parse(options.arguments()) == options)
    }
}
