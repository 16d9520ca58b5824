import DokuenPosix
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built executables, run as a user would run them.
@Suite(.timeLimit(.minutes(2))) struct ExecutableTests {
    let bin = builtProductsDirectory()

    @Test(arguments: ["dokuen", "dokuend", "dokuen-shim"])
    func answersVersion(_ program: String) throws {
        let result = try runProgram(bin + "/" + program, ["--version"], deadlineSeconds: 30)
        #expect(result.status == .exited(0))
        #expect(result.standardOutput == "0.1.0\n")
    }

    @Test func cliVersionJSON() throws {
        let result = try runProgram(bin + "/dokuen", ["version", "--json"])
        #expect(result.standardOutput == "{\"version\":\"0.1.0\"}\n")
    }

    /// Shell completions come from ArgumentParser; bash's script is checked by bash itself.
    @Test func completionScriptsParse() throws {
        let result = try runProgram(bin + "/dokuen", ["--generate-completion-script", "bash"])
        #expect(result.status == .exited(0))
        #expect(result.standardOutput.contains("deploy") && result.standardOutput.contains("config"))
        let temp = try TemporaryDirectory("completion")
        defer { temp.remove() }
        try AtomicFile.write(result.stdout, to: temp("dokuen.bash"))
        let check = try runProgram("/bin/bash", ["-n", temp("dokuen.bash")])
        #expect(check.status == .exited(0), "\(check.standardError)")
    }

    @Test func shimRefusesUnknownUsageWithExit64() throws {
        let result = try runProgram(bin + "/dokuen-shim", ["--bogus"])
        #expect(result.status == .exited(64))
        #expect(result.standardError.hasPrefix("dokuen-shim: error: "))
    }

    @Test func daemonRefusesARelativeRoot() throws {
        let result = try runProgram(bin + "/dokuend", ["--root", "relative/dir"])
        #expect(result.status == .exited(64))
        #expect(result.standardError.contains("--root must be an absolute path, got \"relative/dir\""))
    }

    @Test(arguments: [
        (["--nginx-reload", "nginx -s reload"], "--nginx-reload takes a command that starts with an absolute path"),
        (["--client-max-body-size", "10x"], "invalid client_max_body_size"),
        (["--boot-timeout", "0"], "invalid --boot-timeout \"0\": it takes whole seconds from 1 to 3600"),
        (["--http-port", "0"], "invalid --http-port \"0\": it takes a port from 1 to 65535"),
        (["--http-port", "8080", "--https-port", "8080"], "--http-port and --https-port must differ"),
    ])
    func daemonRefusesBadRoutingOptions(_ options: [String], _ message: String) throws {
        let result = try runProgram(
            bin + "/dokuend", ["--root", "/nonexistent-dokuen-root", "--nginx", "/usr/sbin/nginx"] + options)
        #expect(result.status == .exited(64))
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }

    /// Every numeric option of dokuend is range-checked whatever else is on: here routing is off, so no port is
    /// used, and each is still refused with one line naming the option, the value and the range, then the usage.
    @Test(arguments: [
        (["--http-port", "0"], "invalid --http-port \"0\": it takes a port from 1 to 65535"),
        (["--http-port", "99999"], "invalid --http-port \"99999\": it takes a port from 1 to 65535"),
        (["--https-port=-1"], "invalid --https-port \"-1\": it takes a port from 1 to 65535"),
        (["--https-port", "65536"], "invalid --https-port \"65536\": it takes a port from 1 to 65535"),
        (["--http-port", "8080", "--https-port", "8080"], "--http-port and --https-port must differ; both are 8080"),
        (["--ports", "0-10"], Self.portsRefusal("0-10")),
        (["--ports", "6000-5000"], Self.portsRefusal("6000-5000")),
        (["--ports", "5000-65536"], Self.portsRefusal("5000-65536")),
        (["--ports", "5000"], Self.portsRefusal("5000")),
        (["--keep-releases", "1"], "invalid --keep-releases \"1\": it takes a number of releases from 2 to 1000"),
        (
            ["--keep-releases", "1001"],
            "invalid --keep-releases \"1001\": it takes a number of releases from 2 to 1000"
        ),
        (["--build-timeout", "0"], "invalid --build-timeout \"0\": it takes whole seconds from 1 to 86400"),
        (["--build-timeout", "86401"], "invalid --build-timeout \"86401\": it takes whole seconds from 1 to 86400"),
        (["--drain-milliseconds=-1"], "invalid --drain-milliseconds \"-1\": it takes milliseconds from 0 to 600000"),
        (
            ["--drain-milliseconds", "600001"],
            "invalid --drain-milliseconds \"600001\": it takes milliseconds from 0 to 600000"
        ),
        (["--boot-timeout", "0"], "invalid --boot-timeout \"0\": it takes whole seconds from 1 to 3600"),
        (["--boot-timeout", "3601"], "invalid --boot-timeout \"3601\": it takes whole seconds from 1 to 3600"),
    ])
    func daemonRefusesOutOfRangeNumbersWithRoutingOff(_ options: [String], _ message: String) throws {
        let result = try runProgram(
            bin + "/dokuend", ["--root", "/nonexistent-dokuen-root", "--nginx", "off"] + options)
        #expect(result.status == .exited(64))
        let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first.map(String.init) == "Error: " + message, "\(result.standardError)")
        #expect(lines.dropFirst().first?.hasPrefix("Usage: dokuend") == true, "the usage follows")
        #expect(!Posix.exists("/nonexistent-dokuen-root"), "refused before anything was made")
    }

    static func portsRefusal(_ text: String) -> String {
        "invalid --ports \"\(text)\": it takes LOW-HIGH, two ports from 1 to 65535 with LOW <= HIGH, as in 5000-5999"
    }
}
