import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// Issue 12 and docs/DESIGN.md invariants 7–9, checked from inside the apps as root: each app its own user, builds
/// frozen, data private, the control socket for admins only, no process escaping its instance, and nice 0.
@Suite(.serialized, .timeLimit(.minutes(4)), .enabled(if: geteuid() == 0, "needs root: apps get users of their own"))
struct IsolationTests {
    static let procfile = """
        web: exec python3 -m http.server $PORT --bind 127.0.0.1
        worker: exec bash -c 'echo "worker nice $(ps -o ni= -p $$ | tr -d " ") nofile $(ulimit -n) nproc $(ulimit -u)"; exec sleep 100000'
        """

    /// Writes an app with `procfile` and an index naming it; every file readable by all, so an admin can deploy it.
    func source(
        _ daemon: DaemonHarness, _ name: String, procfile: String = Self.procfile, appJSON: String? = nil
    ) throws -> String {
        let directory = daemon.temp("src-\(name)")
        try Posix.mkdir(directory)
        try Posix.mkdir(directory + "/.profile.d")
        try AtomicFile.write(Array(procfile.utf8), to: directory + "/Procfile")
        try AtomicFile.write(Array("hello from \(name)\n".utf8), to: directory + "/index.txt")
        try AtomicFile.write(Array("export FROM_PROFILE=\(name)\n".utf8), to: directory + "/.profile.d/app.sh")
        if let appJSON { try AtomicFile.write(Array(appJSON.utf8), to: directory + "/app.json") }
        return directory
    }

    func deploy(
        _ daemon: DaemonHarness, _ name: String, procfile: String = Self.procfile, appJSON: String? = nil
    ) throws {
        let directory = try source(daemon, name, procfile: procfile, appJSON: appJSON)
        let created = try daemon.dokuen(["apps", "create", name])
        #expect(created.status == .exited(0), "\(created.standardError)")
        try scaleEveryType(daemon, name, procfile: procfile)
        let deployed = try daemon.dokuen(["deploy", name, directory])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
    }

    /// Only web starts at a first deploy (docs/DESIGN.md §2, Formation): every other type of `procfile` is scaled
    /// to 1 before it, which the deploy keeps.
    func scaleEveryType(_ daemon: DaemonHarness, _ name: String, procfile: String) throws {
        let types = procfile.split(separator: "\n").compactMap { $0.split(separator: ":").first.map(String.init) }
            .filter { !["web", "release", ""].contains($0) }
        guard !types.isEmpty else { return }
        let scaled = try daemon.dokuen(["ps", "scale", name] + types.map { "\($0)=1" })
        #expect(scaled.status == .exited(0), "\(scaled.standardError)")
    }

    /// Runs `script` with sh inside `app` (`dokuen run`, as the app's user, in its build).
    func inside(_ daemon: DaemonHarness, _ app: String, _ script: String) throws -> ProgramResult {
        try daemon.dokuen(["run", app, "--", "sh", "-c", script])
    }

    func web(_ daemon: DaemonHarness, _ app: String) throws -> InstanceStatus {
        let statuses = try daemon.waitUntil("\(app)'s web RUNNING") {
            $0.contains { $0.app == app && $0.type == "web" && $0.state == "RUNNING" && $0.pid != nil }
        }
        return try #require(statuses.first { $0.app == app && $0.type == "web" && $0.state == "RUNNING" })
    }

    @Test func anAppCannotReachAnotherAppsFilesProcessesOrSecrets() throws {
        let daemon = try DaemonHarness(label: "isolation")
        defer { daemon.stop() }
        try deploy(daemon, "alpha")
        try deploy(daemon, "beta")
        #expect(try daemon.dokuen(["config", "set", "beta", "SECRET=hunter2"]).status == .exited(0))
        let beta = try web(daemon, "beta")
        let betaPID = try #require(beta.pid)
        let betaApp = daemon.root + "/apps/beta"
        let written = try inside(daemon, "beta", "echo private > \"$DOKUEN_DATA_DIR/file\"")
        #expect(written.status == .exited(0), "beta writes its own data: \(written.standardError)")

        #expect(try inside(daemon, "alpha", "id -un").standardOutput == "dk-alpha\n")
        #expect(try inside(daemon, "beta", "id -un").standardOutput == "dk-beta\n")
        let denied: [(String, String)] = [
            ("read beta's data/", "cat \(betaApp)/data/file"),
            ("list beta's data/", "ls \(betaApp)/data"),
            ("read beta's build", "cat \(betaApp)/current/index.txt"),
            ("read beta's .profile.d", "cat \(betaApp)/current/.profile.d/app.sh"),
            ("read beta's environ", "cat /proc/\(betaPID)/environ"),
            ("read beta's envdir", "cat \(betaApp)/env/SECRET"),
            ("write beta's build", "touch \(betaApp)/current/PWNED"),
            ("write its own build", "touch \"$HOME/PWNED\""),
            ("write its own build's files", "echo x >> \"$HOME/index.txt\""),
        ]
        for (what, script) in denied {
            let result = try inside(daemon, "alpha", script)
            #expect(result.status != .exited(0), "alpha could \(what): \(result.standardOutput)")
            #expect(
                result.standardError.contains("Permission denied"), "\(what): \(result.standardError)")
        }
        let signal = try inside(daemon, "alpha", "kill -0 \(betaPID)")
        #expect(signal.status != .exited(0))
        #expect(signal.standardError.contains("Operation not permitted"), "\(signal.standardError)")
        let own = try inside(daemon, "alpha", "echo mine > \"$DOKUEN_DATA_DIR/own\" && cat \"$DOKUEN_DATA_DIR/own\"")
        #expect(own.standardOutput == "mine\n", "alpha writes its own data/: \(own.standardError)")
        #expect(try inside(daemon, "beta", "cat \"$DOKUEN_DATA_DIR/file\"").standardOutput == "private\n")

        // The same from a Procfile process, which reports what it saw in its log.
        let probe = try source(
            daemon, "probe",
            procfile: """
                web: exec python3 -m http.server $PORT --bind 127.0.0.1
                probe: cat \(betaApp)/data/file 2>&1; touch "$HOME/PWNED" 2>&1; echo "probe done $(id -un)"; exec sleep 100000
                """)
        #expect(try daemon.dokuen(["deploy", "alpha", probe]).status == .exited(0))
        // A type new in a later release starts at 0.
        #expect(try daemon.dokuen(["ps", "scale", "alpha", "probe=1"]).status == .exited(0))
        try daemon.waitFor("alpha's probe reports") {
            let log = try daemon.dokuen(["logs", "alpha", "--type", "probe"]).standardOutput
            return log.contains("probe done dk-alpha")
        }
        let log = try daemon.dokuen(["logs", "alpha", "--type", "probe"]).standardOutput
        #expect(log.contains("data/file: Permission denied"), "\(log)")
        #expect(log.contains("PWNED': Permission denied"), "\(log)")
        #expect(!log.contains("private"))

        // Owners on disk: the build is root's, data/ the app's and private.
        let build = try #require(Posix.realpath(betaApp + "/current"))
        #expect(try Ownership.owner(build)?.uid == 0)
        #expect(try Ownership.owner(build + "/index.txt")?.uid == 0)
        let data = try #require(try Ownership.owner(betaApp + "/data"))
        #expect(data.uid == UserEntry.named("dk-beta")?.uid && data.mode == 0o700)
    }

    @Test func theControlSocketIsForRootAndAdminsNeverForApps() throws {
        let daemon = try DaemonHarness(label: "socket")
        defer { daemon.stop() }
        try deploy(daemon, "alpha")
        let socket = daemon.root + "/run/dokuend.sock"
        let connect = try inside(
            daemon, "alpha",
            "python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect(\"\(socket)\")'")
        #expect(connect.status != .exited(0))
        #expect(connect.standardError.contains("PermissionError"), "\(connect.standardError)")

        // A process of alpha's uid that someone added to the admin group connects, and is refused every request.
        #expect(try runProgram("/usr/sbin/usermod", ["-a", "-G", "dokuen", "dk-alpha"]).status == .exited(0))
        defer { _ = try? runProgram("/usr/bin/gpasswd", ["-d", "dk-alpha", "dokuen"]) }
        let forge = """
            import socket, sys
            def ask(method, path, body=b""):
                s = socket.socket(socket.AF_UNIX)
                s.connect("\(socket)")
                head = f"{method} {path} HTTP/1.1\\r\\nHost: d\\r\\nContent-Type: application/json\\r\\n"
                s.sendall(head.encode() + f"Content-Length: {len(body)}\\r\\nConnection: close\\r\\n\\r\\n".encode() + body)
                answer = b""
                while chunk := s.recv(65536):
                    answer += chunk
                return answer.split(b" ")[1].decode() + " " + answer.split(b"\\r\\n\\r\\n", 1)[1].decode().strip()
            print(ask("POST", "/v1/apps", b'{"name":"pwned"}'))
            print(ask("GET", "/v1/apps/alpha/run"))
            """
        let forged = try runProgram(
            "/usr/bin/setpriv",
            ["--reuid=dk-alpha", "--regid=dk-alpha", "--init-groups", "/usr/bin/python3", "-c", forge])
        #expect(forged.status == .exited(0), "\(forged.standardError)")
        let answers = forged.standardOutput.split(separator: "\n")
        #expect(answers.count == 2)
        for answer in answers {
            #expect(answer.hasPrefix("403 "), "\(answer)")
            #expect(answer.contains("dk-alpha is an app's user"), "\(answer)")
            #expect(!answer.contains("PATH"))
        }
        let apps = try daemon.dokuen(["apps", "list", "--json"]).standardOutput
        #expect(!apps.contains("pwned"), "nothing changed: \(apps)")

        // An admin (in the group, not root) uses the verbs, with a copy of the CLI it can reach.
        let admin = "dkadmin\(Int.random(in: 100...999))"
        #expect(
            try runProgram("/usr/sbin/useradd", ["--system", "--no-create-home", "-G", "dokuen", admin]).status
                == .exited(0))
        defer { _ = try? runProgram("/usr/sbin/userdel", [admin]) }
        try Posix.mkdir(daemon.temp("bin"))
        let cli = daemon.temp("bin/dokuen")
        try AtomicFile.write(try Posix.readFile(daemon.bin + "/dokuen"), to: cli, mode: 0o755)
        let gamma = try source(daemon, "gamma")
        func asAdmin(_ arguments: [String]) throws -> ProgramResult {
            try runProgram(
                "/usr/bin/setpriv",
                ["--reuid=\(admin)", "--regid=\(admin)", "--init-groups", cli] + arguments,
                environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path, "DOKUEN_ROOT": daemon.root])
        }
        for verb in [
            ["apps", "create", "gamma"], ["config", "set", "gamma", "GREETING=hi"], ["deploy", "gamma", gamma],
            ["status", "gamma:web.1"], ["ps", "scale", "gamma", "worker=0"], ["restart", "gamma"],
            ["releases", "gamma"], ["logs", "gamma"], ["apps", "destroy", "gamma", "--confirm", "gamma", "--purge"],
        ] {
            let result = try asAdmin(verb)
            #expect(result.status == .exited(0), "\(admin): dokuen \(verb): \(result.standardError)")
        }
        let events = try daemon.dokuen(["events"]).standardOutput
        #expect(events.contains(admin), "the event log names the admin: \(events)")
    }

    /// The processes whose command line is `sleep <seconds>` (`pids(commandLine:)` of ShimHarness.swift).
    func sleepers(_ seconds: Int) -> [Int32] { pids(commandLine: "sleep \(seconds)") }

    @Test func noProcessEscapesAStopARedeployAScaleToZeroOrADestroy() throws {
        let daemon = try DaemonHarness(label: "escape")
        let marks = [71011, 71012, 71013, 71014]
        defer {
            daemon.stop()
            for mark in marks { for pid in sleepers(mark) { _ = try? Posix.kill(pid, SIGKILL) } }
        }
        let procfile = """
            web: exec python3 -m http.server $PORT --bind 127.0.0.1
            worker: trap '' TERM; setsid sleep 71011 & sleep 71012 & wait
            daemon: (setsid sh -c 'sleep 71013 &' &); exec sleep 71014
            """
        // The worker ignores SIGTERM: its stop waits 1 s, not 30, before SIGKILL.
        try deploy(daemon, "alpha", procfile: procfile, appJSON: #"{"dokuen": {"worker": {"stop_timeout": 1}}}"#)
        func all(_ count: Int) -> Bool { marks.allSatisfy { sleepers($0).count == count } }
        try daemon.waitFor("every sleeper started") { all(1) }

        #expect(try daemon.dokuen(["stop", "alpha"]).status == .exited(0))
        try daemon.waitFor("no sleeper after stop") { all(0) }

        #expect(try daemon.dokuen(["start", "alpha"]).status == .exited(0))
        try daemon.waitFor("every sleeper started again") { all(1) }
        let before = marks.flatMap { sleepers($0) }
        #expect(try daemon.dokuen(["deploy", "alpha", daemon.temp("src-alpha")]).status == .exited(0))
        try daemon.waitFor("the old release's sleepers gone after a redeploy") {
            all(1) && Set(marks.flatMap { sleepers($0) }).isDisjoint(with: before)
        }

        #expect(try daemon.dokuen(["ps", "scale", "alpha", "worker=0", "daemon=0"]).status == .exited(0))
        try daemon.waitFor("no sleeper after a scale to 0") { all(0) }

        #expect(try daemon.dokuen(["ps", "scale", "alpha", "worker=1", "daemon=1"]).status == .exited(0))
        try daemon.waitFor("every sleeper started once more") { all(1) }
        let uid = try #require(UserEntry.named("dk-alpha")?.uid)
        // A one-off process that outlives its `dokuen run`, as a careless script would leave.
        _ = try inside(daemon, "alpha", "setsid sleep 71015 > /dev/null 2>&1 < /dev/null &")
        defer { for pid in sleepers(71015) { _ = try? Posix.kill(pid, SIGKILL) } }
        #expect(
            try daemon.dokuen(["apps", "destroy", "alpha", "--confirm", "alpha", "--purge"]).status == .exited(0))
        #expect(Ownership.processes(of: uid).isEmpty, "no process of dk-alpha survives apps destroy")
        #expect(all(0) && sleepers(71015).isEmpty)
        #expect(UserEntry.named("dk-alpha") == nil, "destroy --purge removes the user")
    }

    @Test func appsAndBuildsStartAtNiceZeroAndTheirLimits() throws {
        let daemon = try DaemonHarness(label: "nice")
        defer { daemon.stop() }
        let procfile = Self.procfile + "\nrelease: echo \"release nice $(ps -o ni= -p $$ | tr -d ' ')\"\n"
        let directory = try source(daemon, "alpha", procfile: procfile)
        try AtomicFile.write(
            Array(#"{"dokuen": {"worker": {"nice": 3, "nofile": "2048"}}}"#.utf8), to: directory + "/app.json")
        #expect(try daemon.dokuen(["apps", "create", "alpha"]).status == .exited(0))
        try scaleEveryType(daemon, "alpha", procfile: procfile)
        let deployed = try daemon.dokuen(["deploy", "alpha", directory])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        #expect(deployed.standardOutput.contains("release nice 0\n"), "\(deployed.standardOutput)")
        #expect(deployed.standardOutput.contains("-----> app.json: worker settings nice=3 nofile=2048 (ps set wins)\n"))
        let web = try web(daemon, "alpha")
        let ni = try runProgram("/bin/ps", ["-o", "ni=", "-p", "\(try #require(web.pid))"])
        #expect(ni.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        try daemon.waitFor("the worker reports") {
            try daemon.dokuen(["logs", "alpha", "--type", "worker"]).standardOutput.contains(
                "worker nice 3 nofile 2048 ")
        }

        let set = try daemon.dokuen(["ps", "set", "alpha", "worker", "nice=5", "nofile=1234", "nproc=345"])
        #expect(set.status == .exited(0), "\(set.standardError)")
        try daemon.waitFor("the worker reports its settings") {
            try daemon.dokuen(["logs", "alpha", "--type", "worker"]).standardOutput.contains(
                "worker nice 5 nofile 1234 nproc 345")
        }
    }

    @Test func aHostFromTheSharedUserLayoutMovesEachAppToItsOwnUser() throws {
        let daemon = try DaemonHarness(label: "upgrade")
        defer { daemon.stop() }
        try deploy(daemon, "alpha")
        #expect(try inside(daemon, "alpha", "echo kept > \"$DOKUEN_DATA_DIR/state\"").status == .exited(0))
        let before = try web(daemon, "alpha")
        let app = daemon.root + "/apps/alpha"
        let build = try #require(Posix.realpath(app + "/current"))

        // The previous layout: every app ran as `dokuen`, which owned builds, caches and data; no per-app user.
        #expect(try daemon.dokuen(["stop", "alpha"]).status == .exited(0))
        try daemon.waitUntil("alpha stopped") { $0.allSatisfy { $0.app != "alpha" || $0.state == "STOPPED" } }
        let shared = try #require(UserEntry.named("dokuen"))
        for path in [build, app + "/data", app + "/cache"] {
            try Posix.chownTree(path, uid: shared.uid, gid: shared.gid)
        }
        try Posix.chmod(app, 0o755)
        try Posix.chmod(app + "/releases", 0o755)
        #expect(try runProgram("/usr/sbin/userdel", ["dk-alpha"]).status == .exited(0))
        try daemon.restart()

        #expect(try daemon.dokuen(["start", "alpha"]).status == .exited(0))
        let after = try web(daemon, "alpha")
        #expect(after.pid != before.pid)
        let port = try #require(after.port)
        let body = try runProgram(
            "/usr/bin/python3",
            [
                "-c",
                "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:\(port)/index.txt').read().decode(), end='')",
            ])
        #expect(body.standardOutput == "hello from alpha\n", "the same answer: \(body.standardError)")
        #expect(try inside(daemon, "alpha", "cat \"$DOKUEN_DATA_DIR/state\"").standardOutput == "kept\n")
        let user = try #require(UserEntry.named("dk-alpha"))
        #expect(try Ownership.owner(app + "/data")?.uid == user.uid)
        #expect(try Ownership.owner(app + "/data/state")?.uid == user.uid)
        #expect(try Ownership.owner(build)?.uid == 0)
        #expect(try Ownership.owner(build + "/index.txt")?.uid == 0)
        #expect(try Ownership.owner(app)?.mode == 0o711)
        let ps = try runProgram("/bin/ps", ["-o", "user=", "-p", "\(try #require(after.pid))"])
        #expect(ps.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "dk-alpha")
    }
}
