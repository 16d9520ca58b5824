import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `dokuen setup`: the unit it writes is etc/systemd/dokuend.service with real paths, and systemd accepts it.
@Suite(.timeLimit(.minutes(2))) struct SetupTests {
    static let repository = String(#filePath.prefix(upTo: #filePath.range(of: "/Tests/")!.lowerBound))

    @Test func printChangesNothingAndShowsTheUnitOfTheRepository() throws {
        let temp = try TemporaryDirectory("setup")
        defer { temp.remove() }
        let result = try runProgram(
            builtProductsDirectory() + "/dokuen",
            ["setup", "--print", "--root", temp("root"), "--unit-dir", temp("units"), "--bin-dir", "/opt/dokuen/bin"])
        #expect(result.status == .exited(0))
        #expect(try Posix.listDirectory(temp.path).isEmpty, "--print changes nothing")
        let template = String(
            decoding: try Posix.readFile(Self.repository + "/etc/systemd/dokuend.service"), as: UTF8.self)
        let expected = template.replacing("@BINDIR@", with: "/opt/dokuen/bin").replacing("@ROOT@", with: temp("root"))
        #expect(result.standardOutput.hasSuffix("\n" + expected))
        #expect(result.standardOutput.contains("ExecStart=/opt/dokuen/bin/dokuend --root \(temp("root"))\n"))
    }

    @Test(.enabled(if: geteuid() == 0, "setup needs root"))
    func theInstalledUnitVerifies() throws {
        let temp = try TemporaryDirectory("setup")
        defer { temp.remove() }
        let bin = builtProductsDirectory()
        let result = try runProgram(bin + "/dokuen", ["setup", "--root", temp("root"), "--unit-dir", temp("units")])
        #expect(result.status == .exited(0), "\(result.standardError)")
        #expect(result.standardOutput.hasSuffix("Next: systemctl daemon-reload && systemctl enable --now dokuend\n"))
        let unit = String(decoding: try Posix.readFile(temp("units/dokuend.service")), as: UTF8.self)
        #expect(unit.contains("Type=notify\n") && unit.contains("KillMode=process\n") && unit.contains("WatchdogSec="))
        #expect(unit.contains("ExecStart=\(bin)/dokuend --root \(temp("root"))\n"))
        #expect(try #require(try Posix.lstat(temp("root"))).permissions & 0o777 == 0o755)

        let analyze = try #require(which("systemd-analyze"), "systemd-analyze comes with Debian's systemd package")
        let verify = try runProgram(analyze, ["verify", temp("units/dokuend.service")])
        #expect(verify.status == .exited(0))
        #expect(verify.standardError == "", "systemd reports nothing: \(verify.standardError)")
    }

    /// The user unit of laptop mode (etc/systemd/dokuend-user.service) is one systemd's user manager accepts. Its
    /// `%h/.local/bin/dokuend` is pointed at the built binary, since this test must not write into a real home.
    @Test func theUserUnitVerifies() throws {
        let analyze = try #require(which("systemd-analyze"), "systemd-analyze comes with Debian's systemd package")
        let temp = try TemporaryDirectory("user-unit")
        defer { temp.remove() }
        try Posix.mkdir(temp("runtime"), mode: 0o700)
        let text = String(
            decoding: try Posix.readFile(Self.repository + "/etc/systemd/dokuend-user.service"), as: UTF8.self)
        #expect(text.contains("ExecStart=%h/.local/bin/dokuend\n") && text.contains("KillMode=process\n"))
        #expect(text.contains("WantedBy=default.target\n") && text.contains("loginctl enable-linger"))
        let unit = text.replacing("%h/.local/bin/dokuend", with: builtProductsDirectory() + "/dokuend")
        try AtomicFile.write(Array(unit.utf8), to: temp("dokuend.service"))
        var environment = Posix.environment()
        environment["XDG_RUNTIME_DIR"] = temp("runtime")
        let verify = try runProgram(analyze, ["--user", "verify", temp("dokuend.service")], environment: environment)
        #expect(verify.status == .exited(0), "\(verify.standardError)")
        #expect(verify.standardError == "", "systemd reports nothing: \(verify.standardError)")
    }

    /// The launchd agent for a Mac parses as a property list (Python's plistlib, a real parser) and keeps the
    /// shims alive when the daemon stops, as KillMode=process does under systemd.
    @Test func theLaunchdAgentIsAValidPropertyList() throws {
        let python = try #require(which("python3"))
        let check = """
            import plistlib, sys
            p = plistlib.load(open(sys.argv[1], 'rb'))
            assert p['Label'] == 'org.dokuen.dokuend', p
            assert p['ProgramArguments'][0].endswith('/dokuend'), p
            assert p['AbandonProcessGroup'] is True and p['KeepAlive'] == {'SuccessfulExit': False}, p
            print('ok')
            """
        let result = try runProgram(
            python, ["-c", check, Self.repository + "/etc/launchd/org.dokuen.dokuend.plist"])
        #expect(result.standardOutput == "ok\n", "\(result.standardError)")
    }

    @Test func setupWithoutRootSaysSo() throws {
        guard geteuid() == 0 else {
            let result = try runProgram(builtProductsDirectory() + "/dokuen", ["setup"])
            #expect(result.status == .exited(64))
            #expect(result.standardError.hasPrefix("dokuen: error: dokuen setup needs root"))
            return
        }
        // As root: run it as nobody.
        let runuser = try #require(which("setpriv"))
        let result = try runProgram(
            runuser,
            ["--reuid=nobody", "--regid=nogroup", "--clear-groups", builtProductsDirectory() + "/dokuen", "setup"])
        #expect(result.status == .exited(64), "\(result.standardError)")
        #expect(result.standardError.hasPrefix("dokuen: error: dokuen setup needs root"))
    }
}
