import DokuenPosix
import Foundation
import TestSupport
import Testing

/// Laptop mode (issue 24, docs/MODES.md), as an ordinary user the test makes: the built products installed into its
/// `~/.local`, dokuend started with its defaults while the system's nginx runs, a git push, the app reached at
/// `http://APP.localhost:8080/` through dokuend's private nginx, a redeploy under load with no failed request, logs,
/// shutdown, and a second root on `--http-port 8081` beside the first. The system's nginx keeps its pid and its
/// configuration, and no process of the scenario runs as root.
@Suite(
    .serialized, .timeLimit(.minutes(4)),
    .enabled(if: geteuid() == 0 && NginxHarness.binary != nil, "needs root (to make a user) and nginx"))
struct UserModeTests {
    /// A user of the test's own, removed with everything it runs.
    final class User {
        let name = "dkuser\(Int.random(in: 1000...9999))"
        var home: String { "/home/" + name }
        var bin: String { home + "/.local/bin" }
        var root: String { home + "/.local/share/dokuen" }

        init() throws {
            let made = try runProgram("/usr/sbin/useradd", ["--create-home", "--shell", "/bin/sh", name])
            guard made.status == .exited(0) else {
                throw ProgramRunError(description: "useradd: \(made.standardError)")
            }
        }

        var environment: [String: String] {
            ["HOME": home, "PATH": bin + ":/usr/bin:/bin", "LC_ALL": "C.UTF-8"]
        }

        /// `executable arguments` as this user, with its environment.
        func run(_ executable: String, _ arguments: [String], root: String? = nil) throws -> ProgramResult {
            var environment = environment
            if let root { environment["DOKUEN_ROOT"] = root }
            return try runProgram(
                "/usr/bin/setpriv",
                ["--reuid=\(name)", "--regid=\(name)", "--init-groups", executable] + arguments,
                environment: environment, deadlineSeconds: 120)
        }

        func dokuen(_ arguments: [String], root: String? = nil) throws -> ProgramResult {
            try run(bin + "/dokuen", arguments, root: root)
        }

        func remove() {
            _ = try? runProgram("/usr/bin/pkill", ["-KILL", "-U", name], deadlineSeconds: 10)
            _ = try? runProgram("/usr/sbin/userdel", ["--remove", name], deadlineSeconds: 30)
        }
    }

    /// The processes whose real uid is `uid`, and root's processes that mention `text` in their command line.
    func rootProcesses(mentioning text: String) -> [String] {
        var found: [String] = []
        for name in (try? Posix.listDirectory("/proc")) ?? [] {
            guard let pid = Int32(name), let status = try? Posix.readFile("/proc/\(pid)/status"),
                let cmdline = try? Posix.readFile("/proc/\(pid)/cmdline")
            else { continue }
            let command = String(decoding: cmdline.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            let uid = String(decoding: status, as: UTF8.self).split(separator: "\n")
                .first { $0.hasPrefix("Uid:") }?.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first
            if uid == "0", command.contains(text) { found.append("\(pid) \(command)") }
        }
        return found
    }

    /// The pid in a pid file, nil when there is none.
    func pid(in file: String) -> Int32? {
        guard let bytes = try? Posix.readFile(file) else { return nil }
        return Int32(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Whether the system's nginx master (Debian's pid file) is alive.
    func systemNginxRuns() -> Bool {
        guard let master = pid(in: "/run/nginx.pid") else { return false }
        return (try? Posix.kill(master, 0)) ?? false
    }

    /// A hash of every file under /etc/nginx, to show it is untouched.
    func systemNginxConfiguration() throws -> String {
        try runProgram("/bin/sh", ["-c", "find /etc/nginx -type f | sort | xargs cat | md5sum"]).standardOutput
    }

    func push(_ user: User, app: String, root: String, message: String) throws -> ProgramResult {
        let work = user.home + "/src-" + app
        let script = """
            set -e
            mkdir -p \(work) && cd \(work)
            [ -d .git ] || git init -q -b main
            printf 'web: exec python3 -m http.server $PORT --bind 127.0.0.1\\n' > Procfile
            printf '%s\\n' '\(message)' > index.html
            git add -A && git -c user.name=t -c user.email=t@t commit -qm '\(message)'
            git push -q --force \(root)/apps/\(app)/repo.git main 2>&1
            """
        return try user.run("/bin/sh", ["-c", script])
    }

    func get(_ url: String) throws -> String {
        try runProgram("/usr/bin/curl", ["-s", "--max-time", "5", url]).standardOutput
    }

    /// dokuend as `user` with `arguments`, once it has sent READY=1 (it serves) to a notification socket the user may
    /// write to.
    func startDaemon(_ user: User, _ arguments: [String] = []) throws -> BackgroundProgram {
        let sockets = try TemporaryDirectory("notify")
        defer { sockets.remove() }
        try Posix.chmod(sockets.path, 0o755)
        let notify = try NotifySocket(path: sockets("notify"))
        try Posix.chmod(notify.path, 0o666)
        var environment = user.environment
        environment["NOTIFY_SOCKET"] = notify.path
        let daemon = try BackgroundProgram(
            "/usr/bin/setpriv",
            ["--reuid=\(user.name)", "--regid=\(user.name)", "--init-groups", user.bin + "/dokuend"] + arguments,
            environment: environment)
        guard try notify.waitFor("READY=1") != nil else {
            daemon.stop()
            throw ProgramRunError(description: "dokuend did not come up: \(daemon.standardError)")
        }
        return daemon
    }

    @Test func anOrdinaryUsersInstallRoutesThroughItsOwnNginx() throws {
        let user = try User()
        defer { user.remove() }
        // Installed as `scripts/up` installs it: the binaries in ~/.local/bin, the buildpacks in ~/.local/lib.
        let products = builtProductsDirectory()
        // The repository's buildpacks/: three levels above this file.
        var source = #filePath
        for _ in 0..<3 { source = String(source[..<source.lastIndex(of: "/")!]) }
        let install = """
            set -e
            mkdir -p \(user.bin) ~/.local/lib/dokuen
            cp \(products)/dokuen \(products)/dokuend \(products)/dokuen-shim \(user.bin)/
            cp -R \(source)/buildpacks ~/.local/lib/dokuen/
            """
        let installed = try user.run("/bin/sh", ["-c", install])
        #expect(installed.status == .exited(0), "\(installed.standardError)")

        // The system's nginx runs, as on most machines that ever served a page; the test starts it if it does not.
        let nginx = try #require(NginxHarness.binary)
        var startedSystemNginx = false
        if !systemNginxRuns() {
            let started = try runProgram(nginx, [])
            #expect(started.status == .exited(0), "the system's nginx: \(started.standardError)")
            startedSystemNginx = true
        }
        defer { if startedSystemNginx { _ = try? runProgram(nginx, ["-s", "quit"]) } }
        let systemPID = try Posix.readFile("/run/nginx.pid")
        let systemConfiguration = try systemNginxConfiguration()

        var daemon = try startDaemon(user)
        defer { daemon.stop() }
        #expect(daemon.standardError.contains("started the private nginx on 127.0.0.1:8080"), "\(daemon.standardError)")

        // A restart of dokuend leaves the private nginx running, as it leaves the apps.
        let firstMaster = try #require(pid(in: user.root + "/run/nginx/nginx.pid"))
        daemon.stop()
        daemon = try startDaemon(user)
        #expect(!daemon.standardError.contains("started the private nginx"), "\(daemon.standardError)")
        #expect(pid(in: user.root + "/run/nginx/nginx.pid") == firstMaster)

        // Another program on the port: dokuend says so at start, with the setting that changes it.
        let taken = try user.run(user.bin + "/dokuend", ["--root", user.home + "/taken", "--http-port", "80"])
        #expect(taken.status == .exited(1))
        #expect(
            taken.standardError.contains(
                "unable to start the private nginx: port 80 is taken by another program; give dokuend --http-port"),
            "\(taken.standardError)")

        #expect(try user.dokuen(["apps", "create", "blog"]).status == .exited(0))
        let pushed = try push(user, app: "blog", root: user.root, message: "one")
        #expect(pushed.status == .exited(0), "\(pushed.standardOutput)")
        #expect(pushed.standardOutput.contains("http://blog.localhost:8080/ (nginx)"), "\(pushed.standardOutput)")
        #expect(try get("http://blog.localhost:8080/") == "one\n")

        // A redeploy under load: a client asks all along, through the private nginx, and counts what failed.
        let load = """
            import os, sys, urllib.request
            ok = failed = 0
            while not os.path.exists(sys.argv[1]):
                try:
                    body = urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:8080/", headers={"Host": "blog.localhost:8080"}), timeout=5).read()
                    ok += 1
                except Exception as error:
                    failed += 1
                    print(error, file=sys.stderr)
            print(ok, failed)
            """
        let stopFile = user.home + "/stop-load"
        let client = try BackgroundProgram(
            "/usr/bin/setpriv",
            [
                "--reuid=\(user.name)", "--regid=\(user.name)", "--init-groups", "/usr/bin/python3", "-c", load,
                stopFile,
            ],
            environment: user.environment)
        defer { client.stop() }
        let again = try push(user, app: "blog", root: user.root, message: "two")
        #expect(again.status == .exited(0), "\(again.standardOutput)")
        try AtomicFile.write([], to: stopFile)
        _ = try client.wait(milliseconds: 10_000)
        let counts = client.standardOutput.split(separator: " ").compactMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(
            counts.count == 2 && counts[0] > 0 && counts[1] == 0,
            "ok, failed: \(client.standardOutput) \(client.standardError)")
        #expect(try get("http://blog.localhost:8080/") == "two\n")

        let logs = try user.dokuen(["logs", "blog"])
        #expect(logs.standardOutput.contains("GET / HTTP/1.1"), "\(logs.standardOutput)")

        // A second root of the same user, on another port, beside the first.
        let second = user.home + "/second"
        let other = try startDaemon(
            user, ["--root", second, "--http-port", "8081", "--https-port", "8444", "--ports", "6100-6199"])
        defer { other.stop() }
        #expect(try user.dokuen(["apps", "create", "shop"], root: second).status == .exited(0))
        #expect(try push(user, app: "shop", root: second, message: "shop").status == .exited(0))
        #expect(try get("http://shop.localhost:8081/") == "shop\n")
        #expect(try get("http://blog.localhost:8080/") == "two\n")

        #expect(rootProcesses(mentioning: user.home).isEmpty, "\(rootProcesses(mentioning: user.home))")
        #expect(try Posix.readFile("/run/nginx.pid") == systemPID, "the system's nginx kept its pid")
        #expect(try systemNginxConfiguration() == systemConfiguration, "and its configuration")

        // shutdown stops the daemon and its private nginx; the apps keep running.
        let master = try #require(pid(in: user.root + "/run/nginx/nginx.pid"))
        #expect(try user.dokuen(["shutdown"]).status == .exited(0))
        #expect(try daemon.wait(milliseconds: 15_000) != nil, "dokuend stopped")
        #expect(try Posix.waitForExit(pid: master, milliseconds: 15_000), "the private nginx stopped")
        #expect(try get("http://shop.localhost:8081/") == "shop\n", "the other root still serves")
        #expect(try user.dokuen(["shutdown"], root: second).status == .exited(0))
    }
}
