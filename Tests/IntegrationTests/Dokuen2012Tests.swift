import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Dokuen 2012's README from top to bottom over a real sshd: through the authorized_keys forced command and through
/// gitolite3. create, config_set with two values, a push of master, scale, restart, run_command (streamed, with its
/// exit status), buildpacks, install_buildpack, remove_buildpack, config, config_delete, shutdown --application; every
/// step's output and exit status is checked. Runs as root, like SSHTests, whose sshd and gitolite helpers it uses.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(if: geteuid() == 0 && access("/usr/sbin/sshd", X_OK) == 0, "needs root and openssh-server"))
struct Dokuen2012Tests {
    static let repository = SSHTests.repository
    static let buildpackFixture = repository + "/Tests/Fixtures/buildpacks/third-party"

    /// One `ssh HOST dokuen …` of the walk: its exit status, stdout and stderr.
    typealias Remote = (String) throws -> ProgramResult

    /// A git repository of the third-party buildpack fixture at `path`, for install_buildpack.
    static func buildpackRepository(_ path: String, home: String) throws {
        #expect(try runProgram("/bin/cp", ["-a", buildpackFixture, path]).status == .exited(0))
        #expect(try SSHTests.git(["init", "-q", "-b", "main"], in: path, home: home).status == .exited(0))
        #expect(try SSHTests.git(["add", "-A"], in: path, home: home).status == .exited(0))
        #expect(try SSHTests.git(["commit", "-q", "-m", "buildpack"], in: path, home: home).status == .exited(0))
    }

    /// What `create` prints over ssh: the remote to push to, as `USER@HOST:APP` for the user sshd ran it as.
    static func created(_ user: String) -> String {
        let hostname = (try? Posix.readFile("/proc/sys/kernel/hostname")) ?? []
        let host = String(decoding: hostname.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        return "Created blog\nPushes of main (or master while there is no main) deploy it; add the remote with:\n"
            + "  git remote add dokuen \(user)@\(host):blog\n"
    }

    static func check(
        _ result: ProgramResult, _ status: Int32, stdout: String? = nil, stderr: String? = nil,
        _ step: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            result.status == .exited(status), "\(step): \(result.standardOutput)\(result.standardError)",
            sourceLocation: sourceLocation)
        if let stdout {
            #expect(result.standardOutput == stdout, "\(step): \(result.standardError)", sourceLocation: sourceLocation)
        }
        if let stderr {
            #expect(
                result.standardError.contains(stderr), "\(step): \(result.standardError)",
                sourceLocation: sourceLocation)
        }
    }

    /// The walk after the push, the same through both doors. `admin` runs the buildpack verbs. Over gitolite every
    /// word is plain (gitolite refuses quotes), so the commands here are too.
    static func walk(_ daemon: DaemonHarness, as user: Remote, admin: Remote, buildpack: String) throws {
        Self.check(try user("dokuen scale web=1 --application=blog"), 0, stdout: "Scaled blog to web=1\n", "scale")
        _ = try daemon.waitUntil("blog:web.1 RUNNING") { $0.contains { $0.app == "blog" && $0.state == "RUNNING" } }
        Self.check(
            try user("dokuen restart --application=blog"), 0, stdout: "Restarting blog:web.1 … ready\n", "restart")

        // run_command: the app's environment, as its user, and the command's exit status.
        Self.check(
            try user("dokuen run_command --application=blog printenv GREETING"), 0, stdout: "hello\n", "printenv")
        Self.check(try user("dokuen run_command --application blog id -un"), 0, stdout: "dk-blog\n", "run_command id")
        Self.check(
            try user("dokuen run_command --application=blog -- printenv GREETING"), 0, stdout: "hello\n",
            "run_command -- words as they are")
        Self.check(try user("dokuen run_command --application=blog exit 3"), 3, stdout: "", "run_command exit 3")
        Self.check(
            try user("dokuen run_command --application=blog kill -TERM 0"), 128 + 15, stdout: "",
            "run_command killed by a signal")

        // Buildpacks: the built-ins, one installed from a git path (its name derived from the URL), then removed.
        let listed = try admin("dokuen buildpacks")
        Self.check(listed, 0, "buildpacks")
        #expect(listed.standardOutput.contains("procfile\tbuilt-in"), "\(listed.standardOutput)")
        let installed = try admin("dokuen install_buildpack \(buildpack)")
        Self.check(installed, 0, "install_buildpack")
        #expect(
            installed.standardOutput.hasPrefix("Installed third-party from \(buildpack) at "),
            "\(installed.standardOutput)")
        #expect(try admin("dokuen buildpacks").standardOutput.contains("third-party\tinstalled"))
        Self.check(
            try admin("dokuen remove_buildpack third-party"), 0, stdout: "Removed third-party\n", "remove_buildpack")
        #expect(!(try admin("dokuen buildpacks").standardOutput.contains("third-party")))

        // config, config_delete (a new release, cut over), and config again.
        Self.check(
            try user("dokuen config --application=blog"), 0, stdout: "A=1\nB=2\nGREETING=hello\nOTHER=x\n", "config")
        Self.check(
            try user("dokuen config_delete A OTHER --application=blog"), 0,
            stdout: "Config of blog changed; release v2 is up\n", "config_delete")
        Self.check(
            try user("dokuen config --application blog"), 0, stdout: "B=2\nGREETING=hello\n", "config after delete")

        // shutdown --application stops the app (2012's meaning); a bare shutdown is refused over ssh.
        Self.check(
            try user("dokuen shutdown --application=blog"), 0, stdout: "Stopped blog\n", "shutdown --application")
        _ = try daemon.waitUntil("blog stopped") { !$0.contains { $0.app == "blog" && $0.state == "RUNNING" } }
        Self.check(
            try user("dokuen shutdown"), 1,
            stderr: "refused: dokuen shutdown stops dokuend, which no one could start again over ssh", "shutdown")
        #expect(try daemon.dokuen(["apps"]).status == .exited(0), "dokuend still answers")
    }

    @Test func theReadmeOverThePlainForcedCommand() throws {
        let daemon = try DaemonHarness(label: "2012")
        defer { daemon.stop() }
        let restore = try SSHTests.openDokuenAccount()
        defer { restore() }
        let home = daemon.temp("client")
        try Posix.mkdir(home, mode: 0o700)
        let server = try SSHTests.SSHServer(directory: daemon.temp("sshd"), users: ["dokuen"])
        defer { server.stop() }
        let key = home + "/ada"
        try SSHTests.makeKey(key)
        let keys = server.directory + "/keys/dokuen"
        let added = try daemon.dokuen(["keys", "add", "ada", key + ".pub", "--file", keys, "--owner", "dokuen"])
        #expect(added.status == .exited(0), "\(added.standardError)")
        let ssh: Remote = { try server.ssh(key: key, user: "dokuen", $0, home: home) }

        Self.check(try ssh("dokuen create --application=blog"), 0, stdout: Self.created("dokuen"), "create")
        Self.check(
            try ssh("dokuen run_command --application=blog true"), 1,
            stderr: "dokuen: error: unable to run a command in blog: it has no release yet; deploy it first",
            "run_command before a deploy")
        Self.check(
            try ssh("dokuen config_set -V GREETING=hello -V OTHER=x --application=blog"), 0,
            stdout: "Config of blog changed; it takes effect with the next release\n", "config_set")
        Self.check(
            try ssh("dokuen config_set -V A=1 B=2 --application blog"), 0,
            stdout: "Config of blog changed; it takes effect with the next release\n", "config_set A=1 B=2")

        // 2012 pushed master: a repository that has no main deploys master.
        let work = daemon.temp("work")
        try SSHTests.workTree(work, home: home, branch: "master")
        let pushed = try SSHTests.git(
            ["push", "ssh://dokuen@127.0.0.1:\(server.port)/blog.git", "master"], in: work, home: home, server: server,
            key: key)
        #expect(pushed.status == .exited(0), "\(pushed.standardError)")
        #expect(
            pushed.standardError.contains("remote: -----> Deploying blog from master at "), "\(pushed.standardError)")
        #expect(pushed.standardError.contains("remote: -----> Release v1 is up ("), "\(pushed.standardError)")

        // Streaming: the first line arrives while the command still runs (it waits on a FIFO the test opens only
        // after reading that line); quotes keep the shell's words together over the plain forced command.
        let fifo = daemon.temp("fifo")
        #expect(try runProgram("/usr/bin/mkfifo", ["-m", "0666", fifo]).status == .exited(0))
        let streamed = try Self.streaming(
            server, key: key, home: home,
            "dokuen run_command --application=blog 'echo started; read line < \(fifo); echo \"got $line\"; exit 7'"
        ) {
            let writer = try Posix.open(fifo, .writeOnly)
            defer { Posix.close(writer) }
            try Posix.writeAll(writer, Array("go\n".utf8))
        }
        #expect(streamed.status == .exited(7), "\(streamed.output)")
        #expect(streamed.output == "started\ngot go\n")

        let buildpack = daemon.temp("heroku-buildpack-third-party.git")
        try Self.buildpackRepository(buildpack, home: home)
        try Self.walk(daemon, as: ssh, admin: ssh, buildpack: buildpack)

        let events = try JSONDecoder().decode(
            [EventEntry].self, from: Data(try daemon.dokuen(["events", "--json"]).stdout))
        #expect(events.contains { $0.actor == "ada (via dokuen)" && $0.action == "run" && $0.detail == "/bin/sh" })
    }

    /// Runs `command` over ssh with its stdout on a pipe; once "started\n" has arrived, runs `then`, and reads the
    /// rest until the end. Each read waits at most 60 s.
    static func streaming(
        _ server: SSHTests.SSHServer, key: String, home: String, _ command: String, then: () throws -> Void
    ) throws -> (status: DokuenPosix.ExitStatus?, output: String) {
        let output = try Posix.pipe()
        let null = try Posix.open("/dev/null", .readWrite)
        defer { Posix.close(null) }
        let words = server.client(key: key) + ["dokuen@127.0.0.1", command]
        let child = try ChildProcess.spawn(
            words[0], arguments: Array(words.dropFirst()), environment: ["PATH": "/usr/bin:/bin", "HOME": home],
            stdin: null, stdout: output.write, stderr: null)
        Posix.close(output.write)
        defer {
            Posix.close(output.read)
            _ = try? child.signalGroup(.kill)
            _ = try? child.wait(milliseconds: 10_000)
        }
        var text: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var sent = false
        while true {
            guard try Posix.poll([output.read], milliseconds: 60_000)[0] else {
                Issue.record("no output for 60 s after \(String(decoding: text, as: UTF8.self))")
                return (nil, String(decoding: text, as: UTF8.self))
            }
            let count = try Posix.read(output.read, into: &buffer)
            if count == 0 { break }
            text += buffer[..<count]
            if !sent, String(decoding: text, as: UTF8.self).hasPrefix("started\n") {
                sent = true
                try then()
            }
        }
        return (try child.wait(milliseconds: 60_000), String(decoding: text, as: UTF8.self))
    }

    /// A one-off command that dokuend runs ends with its timeout, and when its client goes away (at the next line it
    /// sends, or the next keepalive when it sends none), with its whole process group.
    @Test func aCommandRunByDokuendEndsWithItsTimeoutOrItsClient() throws {
        let daemon = try DaemonHarness(label: "2012-run")
        defer { daemon.stop() }
        Self.check(try daemon.dokuen(["apps", "create", "blog"]), 0, "apps create")
        Self.check(try daemon.dokuen(["deploy", "blog", SSHTests.fixture]), 0, "deploy")
        Self.check(
            try daemon.dokuen(["run", "blog", "--timeout", "1", "--", "sh", "-c", "echo before; exec sleep 60"]), 1,
            stdout: "before\n",
            stderr: "dokuen: error: unable to run a command in blog: the command took more than 1 s and was stopped",
            "timeout")

        // A client that goes away: noticed at the next line the command prints, or, for a silent command, at the
        // next keepalive (`{}` every 15 s, docs/API.md Runs).
        for script in ["echo $$; while :; do echo tick; sleep 0.2; done", "echo $$; exec sleep 1000"] {
            let output = try Posix.pipe()
            let null = try Posix.open("/dev/null", .readWrite)
            defer { Posix.close(null) }
            let client = try ChildProcess.spawn(
                daemon.bin + "/dokuen",
                arguments: ["run", "blog", "--through-daemon", "--root", daemon.root, "--", "sh", "-c", script],
                environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path], stdin: null, stdout: output.write,
                stderr: null)
            Posix.close(output.write)
            defer { Posix.close(output.read) }
            var text = ""
            var buffer = [UInt8](repeating: 0, count: 256)
            while !text.contains("\n") {
                guard try Posix.poll([output.read], milliseconds: 60_000)[0] else { break }
                let count = try Posix.read(output.read, into: &buffer)
                if count == 0 { break }
                text += String(decoding: buffer[..<count], as: UTF8.self)
            }
            let pid = try #require(Int32(text.prefix { $0 != "\n" }), "\(text)")
            _ = try client.signalGroup(.kill)
            _ = try client.wait(milliseconds: 10_000)
            #expect(try Posix.waitForExit(pid: pid, milliseconds: 45_000), "\(script): the command outlived its client")
            let user = try runProgram("/bin/ps", ["-o", "pid=", "-u", "dk-blog"]).standardOutput
            #expect(!user.contains(String(pid)), "\(user)")
        }
    }

    @Test(.enabled(if: access("/usr/bin/gitolite", X_OK) == 0, "needs gitolite3"))
    func theReadmeThroughGitolite() throws {
        let daemon = try DaemonHarness(label: "2012-gitolite")
        defer { daemon.stop() }
        // blog is alice's; bob may read it; only admin writes gitolite-admin.
        let gitolite = try SSHTests.Gitolite(
            daemon: daemon,
            conf: "repo gitolite-admin\n    RW+ = admin\n\nrepo blog\n    RW+ = alice\n    R = bob\n",
            users: ["alice", "bob"])
        defer { gitolite.remove() }
        let wired = try gitolite.wire(daemon)
        #expect(wired.status == .exited(0), "\(wired.standardOutput)\(wired.standardError)")
        let client = daemon.temp("client")
        try Posix.mkdir(client, mode: 0o700)
        let server = try SSHTests.SSHServer(directory: daemon.temp("sshd"), users: [gitolite.user])
        defer { server.stop() }
        func door(_ name: String) -> Remote {
            { try server.ssh(key: gitolite.keys + "/" + name, user: gitolite.user, $0, home: client) }
        }
        let (alice, bob, admin) = (door("alice"), door("bob"), door("admin"))

        Self.check(
            try bob("dokuen create --application=blog"), 1,
            stderr: "refused: gitolite does not give bob W on blog", "bob may not create blog")
        Self.check(try alice("dokuen create --application=blog"), 0, stdout: Self.created(gitolite.user), "create")
        Self.check(
            try alice("dokuen config_set -V GREETING=hello -V OTHER=x --application=blog"), 0,
            stdout: "Config of blog changed; it takes effect with the next release\n", "config_set")
        Self.check(
            try alice("dokuen config_set -V A=1 B=2 --application blog"), 0,
            stdout: "Config of blog changed; it takes effect with the next release\n", "config_set A=1 B=2")
        Self.check(
            try bob("dokuen config_set -V A=2 --application=blog"), 1,
            stderr: "refused: gitolite does not give bob W on blog", "bob may not set config")

        let work = daemon.temp("work")
        try SSHTests.workTree(work, home: client, branch: "master")
        let pushed = try SSHTests.git(
            ["push", "\(gitolite.user)@127.0.0.1:blog.git", "master"], in: work, home: client, server: server,
            key: gitolite.keys + "/alice")
        #expect(pushed.status == .exited(0), "\(pushed.standardError)")
        #expect(
            pushed.standardError.contains("remote: -----> Deploying blog from master at "), "\(pushed.standardError)")
        #expect(pushed.standardError.contains("remote: -----> Release v1 is up ("), "\(pushed.standardError)")

        // Rights per verb: bob reads, never changes; alice may not touch the platform's buildpacks.
        Self.check(
            try bob("dokuen config --application=blog"), 0, stdout: "A=1\nB=2\nGREETING=hello\nOTHER=x\n", "bob reads")
        for verb in [
            "scale web=1 --application=blog", "restart --application=blog", "run_command --application=blog true",
            "config_delete A --application=blog", "shutdown --application=blog",
        ] {
            Self.check(
                try bob("dokuen " + verb), 1, stderr: "refused: gitolite does not give bob W on blog", "bob: \(verb)")
        }
        Self.check(
            try alice("dokuen install_buildpack /tmp/x.git"), 1,
            stderr: "refused: gitolite does not give alice W on gitolite-admin", "alice: install_buildpack")
        Self.check(
            try alice("dokuen shutdown"), 1,
            stderr: "refused: dokuen shutdown stops dokuend, which no one could start again over ssh", "bare shutdown")

        let buildpack = daemon.temp("heroku-buildpack-third-party.git")
        try Self.buildpackRepository(buildpack, home: client)
        try Self.walk(daemon, as: alice, admin: admin, buildpack: buildpack)

        let events = try JSONDecoder().decode(
            [EventEntry].self, from: Data(try daemon.dokuen(["events", "--json"]).stdout))
        #expect(events.contains { $0.actor == "alice (via \(gitolite.user))" && $0.action == "run" })
        #expect(events.contains { $0.actor == "bob (via \(gitolite.user))" && $0.action == "ssh.refused" })
    }
}
