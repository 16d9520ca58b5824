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
        (["--boot-timeout", "0"], "--boot-timeout takes whole seconds from 1 to 3600, got 0"),
        (["--http-port", "8080", "--https-port", "8080"], "--http-port and --https-port must differ"),
    ])
    func daemonRefusesBadRoutingOptions(_ options: [String], _ message: String) throws {
        let result = try runProgram(
            bin + "/dokuend", ["--root", "/nonexistent-dokuen-root", "--nginx", "/usr/sbin/nginx"] + options)
        #expect(result.status == .exited(64))
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }
}
