import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Pushes and verbs over a real sshd (Debian's openssh-server, on 127.0.0.1 and a port of its own), with real git and
/// gitolite3: the authorized_keys forced command `dokuen git-shell`, and gitolite's hook and command. Runs as root
/// (it adds temporary users and starts sshd); each test stops its sshd and removes its users by name.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(if: geteuid() == 0 && access("/usr/sbin/sshd", X_OK) == 0, "needs root and openssh-server"))
struct SSHTests {
    static let repository = String(#filePath.prefix(upTo: #filePath.range(of: "/Tests/")!.lowerBound))
    static let fixture = repository + "/Tests/Fixtures/apps/procfile"

    /// A private sshd: its own config, host key and pid file; public keys from `keys/%u`, then ~/.ssh/authorized_keys.
    final class SSHServer {
        let directory: String
        let port: Int
        let process: BackgroundProgram

        init(directory: String, users: [String]) throws {
            self.directory = directory
            try Posix.mkdir(directory, mode: 0o755, existingOK: true)
            try Posix.mkdir(directory + "/keys", mode: 0o755, existingOK: true)
            _ = try runProgram("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", directory + "/host"])
            // sshd refuses to start without its privilege separation directory (the package's unit makes it).
            _ = try Posix.mkdir("/run/sshd", mode: 0o755, existingOK: true)
            var started: (Int, BackgroundProgram)?
            for _ in 0..<5 where started == nil {
                let port = Int.random(in: 30_000..<40_000)
                let config = """
                    ListenAddress 127.0.0.1
                    HostKey \(directory)/host
                    PidFile \(directory)/sshd.pid
                    UsePAM no
                    StrictModes no
                    PubkeyAuthentication yes
                    PasswordAuthentication no
                    KbdInteractiveAuthentication no
                    AuthorizedKeysFile \(directory)/keys/%u .ssh/authorized_keys
                    AllowUsers \(users.joined(separator: " "))
                    LogLevel VERBOSE

                    """
                try AtomicFile.write(Array(config.utf8), to: directory + "/sshd_config")
                let sshd = try BackgroundProgram(
                    "/usr/sbin/sshd", ["-D", "-e", "-f", directory + "/sshd_config", "-p", "\(port)"],
                    environment: ["PATH": "/usr/sbin:/usr/bin:/bin"])
                if Self.accepts(port: port, while: sshd) {
                    started = (port, sshd)
                } else {
                    sshd.stop()
                }
            }
            guard let started else { throw ProgramRunError(description: "sshd did not start on any port") }
            (port, process) = started
        }

        /// Whether sshd accepts on `port` within 10 s (bounded retries while it starts; false once it exited).
        static func accepts(port: Int, while sshd: BackgroundProgram) -> Bool {
            for _ in 0..<100 {
                if (try? sshd.wait(milliseconds: 100)) ?? nil != nil { return false }
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                close(fd)
                if connected == 0 { return true }
            }
            return false
        }

        /// The ssh client command line, also for GIT_SSH_COMMAND (words without spaces or quotes).
        func client(key: String) -> [String] {
            [
                "/usr/bin/ssh", "-F", "/dev/null", "-i", key, "-p", "\(port)", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o",
                "LogLevel=ERROR",
            ]
        }

        func ssh(key: String, user: String, _ command: String, home: String) throws -> ProgramResult {
            let words = client(key: key) + [user + "@127.0.0.1", command]
            return try runProgram(
                words[0], Array(words.dropFirst()), environment: ["PATH": "/usr/bin:/bin", "HOME": home])
        }

        func stop() { process.stop() }
    }

    /// `ssh-keygen` of an ed25519 key pair at `path` (and `path.pub`).
    static func makeKey(_ path: String) throws {
        let made = try runProgram("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", path])
        #expect(made.status == .exited(0), "\(made.standardError)")
        try Posix.chmod(path + ".pub", 0o644)
    }

    /// git with an identity and no system or user config; over ssh with `server`'s client and `key`.
    static func git(
        _ arguments: [String], in directory: String, home: String, server: SSHServer? = nil, key: String? = nil
    ) throws -> ProgramResult {
        var environment = [
            "PATH": "/usr/bin:/bin", "HOME": home, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Ada",
            "GIT_AUTHOR_EMAIL": "ada@example.com", "GIT_COMMITTER_NAME": "Ada",
            "GIT_COMMITTER_EMAIL": "ada@example.com",
        ]
        if let server, let key { environment["GIT_SSH_COMMAND"] = server.client(key: key).joined(separator: " ") }
        return try runProgram(
            "/usr/bin/git", ["-C", directory] + arguments, environment: environment, deadlineSeconds: 240)
    }

    /// A work tree with the Procfile fixture app committed on `branch`.
    static func workTree(_ path: String, home: String, branch: String = "main") throws {
        #expect(try runProgram("/bin/cp", ["-a", fixture, path]).status == .exited(0))
        #expect(try git(["init", "-q", "-b", branch], in: path, home: home).status == .exited(0))
        #expect(try git(["add", "-A"], in: path, home: home).status == .exited(0))
        #expect(try git(["commit", "-q", "-m", "fixture"], in: path, home: home).status == .exited(0))
    }

    func events(_ daemon: DaemonHarness) throws -> [EventEntry] {
        try JSONDecoder().decode([EventEntry].self, from: Data(try daemon.dokuen(["events", "--json"]).stdout))
    }

    /// The `dokuen` user (the owner of the apps' repositories) as an ssh account: a shell for sshd to run the forced
    /// command with, and an unlocked (but passwordless) account. Put back as it was by the returned closure.
    static func openDokuenAccount() throws -> () -> Void {
        let passwd = try runProgram("/usr/bin/getent", ["passwd", "dokuen"]).standardOutput
        let shadow = try runProgram("/usr/bin/getent", ["shadow", "dokuen"]).standardOutput
        let shell = String(passwd.split(separator: ":", omittingEmptySubsequences: false).last ?? "")
            .trimmingCharacters(in: .newlines)
        let hash = String(shadow.split(separator: ":", omittingEmptySubsequences: false).dropFirst().first ?? "!")
        #expect(try runProgram("/usr/sbin/usermod", ["-s", "/bin/sh", "-p", "*", "dokuen"]).status == .exited(0))
        return {
            _ = try? runProgram(
                "/usr/sbin/usermod", ["-s", shell.isEmpty ? "/usr/sbin/nologin" : shell, "-p", hash, "dokuen"])
        }
    }

    @Test func plainForcedCommandPushesRunsVerbsAndRefusesTheRest() throws {
        let daemon = try DaemonHarness(label: "ssh")
        defer { daemon.stop() }
        let restore = try Self.openDokuenAccount()
        defer { restore() }
        let home = daemon.temp("client")
        try Posix.mkdir(home, mode: 0o700)
        let server = try SSHServer(directory: daemon.temp("sshd"), users: ["dokuen"])
        defer { server.stop() }
        let ada = home + "/ada"
        let eve = home + "/eve"
        try Self.makeKey(ada)
        try Self.makeKey(eve)
        let keys = server.directory + "/keys/dokuen"

        // Keys: ada may create apps by pushing, eve may not.
        let added = try daemon.dokuen([
            "keys", "add", "ada", ada + ".pub", "--file", keys, "--owner", "dokuen", "--allow-create",
        ])
        #expect(added.status == .exited(0), "\(added.standardError)")
        #expect(
            try daemon.dokuen(["keys", "add", "eve", eve + ".pub", "--file", keys, "--owner", "dokuen"]).status
                == .exited(0))
        #expect(try daemon.dokuen(["keys", "add", "ada", eve + ".pub", "--file", keys]).status == .exited(64))
        #expect(try daemon.dokuen(["keys", "add", "Bad;Name", eve + ".pub", "--file", keys]).status == .exited(64))
        let line = String(decoding: try Posix.readFile(keys), as: UTF8.self).split(separator: "\n")[0]
        #expect(
            line.hasPrefix(
                "command=\"'\(daemon.bin)/dokuen' git-shell --root '\(daemon.root)' --key ada --allow-create\","))
        #expect(
            line.contains(
                ",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty,no-user-rc,restrict ssh-ed25519 "))
        #expect(line.hasSuffix(" dokuen:ada"))
        let info = try #require(try Posix.lstat(keys))
        #expect(info.permissions & 0o777 == 0o600)
        let listed = try daemon.dokuen(["keys", "list", "--json", "--file", keys]).standardOutput
        #expect(listed.contains("\"name\" : \"ada\"") && listed.contains("\"name\" : \"eve\""), "\(listed)")

        // A push over ssh to a fresh host creates the app and deploys it; the build streams back.
        let work = daemon.temp("work")
        try Self.workTree(work, home: home)
        let url = "ssh://dokuen@127.0.0.1:\(server.port)/blog.git"
        let pushed = try Self.git(["push", url, "main"], in: work, home: home, server: server, key: ada)
        #expect(pushed.status == .exited(0), "\(pushed.standardError)")
        #expect(pushed.standardError.contains("Created the app blog for this push"), "\(pushed.standardError)")
        #expect(pushed.standardError.contains("remote: -----> Deploying blog from main at "))
        #expect(pushed.standardError.contains("remote: -----> Release v1 is up ("), "\(pushed.standardError)")
        _ = try daemon.waitUntil("web RUNNING") { $0.count == 1 && $0[0].state == "RUNNING" }

        // Verbs through the forced command; everything else is refused.
        let status = try server.ssh(key: ada, user: "dokuen", "dokuen status", home: home)
        #expect(status.status == .exited(0), "\(status.standardError)")
        #expect(status.standardOutput.contains("blog:web.1"), "\(status.standardOutput)")
        let set = try server.ssh(key: ada, user: "dokuen", "dokuen config set blog GREETING='hello world'", home: home)
        #expect(set.status == .exited(0), "\(set.standardError)")
        let listing = try server.ssh(key: ada, user: "dokuen", "ls /", home: home)
        #expect(listing.status == .exited(1))
        #expect(listing.standardError.contains("refused: ls is not allowed"), "\(listing.standardError)")
        #expect(!listing.standardOutput.contains("etc"))

        // Injections: refused before anything runs, and logged.
        let marker = daemon.temp("injected")
        for attempt in [
            "dokuen status; touch \(marker)", "dokuen status `touch \(marker)`", "dokuen status $(touch \(marker))",
            "dokuen status && touch \(marker)", "dokuen status | touch \(marker)",
        ] {
            let result = try server.ssh(key: ada, user: "dokuen", attempt, home: home)
            #expect(result.status == .exited(1), "\(attempt)")
            #expect(result.standardError.contains("is not allowed outside single quotes"), "\(result.standardError)")
        }
        #expect(try Posix.lstat(marker) == nil)

        // Bad repository names are refused before anything is created, even with --allow-create.
        for name in ["'../evil.git'", "'a/b.git'", "'Blog.git'", "'x;id.git'", "'x$(id).git'"] {
            let result = try server.ssh(key: ada, user: "dokuen", "git-receive-pack \(name)", home: home)
            #expect(result.status == .exited(1), "\(name)")
            #expect(result.standardError.contains("refused:"), "\(result.standardError)")
        }
        #expect(try Posix.listDirectory(daemon.root + "/apps").sorted() == ["blog"])
        // eve may push to blog but not create an app.
        let created = try Self.git(
            ["push", "ssh://dokuen@127.0.0.1:\(server.port)/other.git", "main"], in: work, home: home, server: server,
            key: eve)
        #expect(created.status != .exited(0))
        #expect(created.standardError.contains("there is no app other here"), "\(created.standardError)")

        let log = try events(daemon)
        let refused = log.filter { $0.action == "ssh.refused" }
        #expect(refused.count >= 11, "\(refused)")
        #expect(refused.allSatisfy { $0.actor == "ada (via dokuen)" || $0.actor == "eve (via dokuen)" }, "\(refused)")
        #expect(refused.contains { $0.detail.contains("command: dokuen status; touch") }, "\(refused)")
        #expect(log.contains { $0.actor == "ada (via dokuen)" && $0.action.hasPrefix("config") }, "\(log)")

        #expect(try daemon.dokuen(["keys", "remove", "eve", "--file", keys]).status == .exited(0))
        let gone = try server.ssh(key: eve, user: "dokuen", "dokuen status", home: home)
        #expect(gone.status == .exited(255), "\(gone.standardError)")
    }

    @Test(.enabled(if: access("/usr/bin/gitolite", X_OK) == 0, "needs gitolite3"))
    func gitolitePushesAndCommandsFollowItsRules() throws {
        let daemon = try DaemonHarness(label: "gitolite")
        defer { daemon.stop() }
        // blog is alice's, bob has nothing.
        let gitolite = try Gitolite(
            daemon: daemon, conf: "repo gitolite-admin\n    RW+ = admin\n\nrepo blog\n    RW+ = alice\n",
            users: ["alice", "bob"])
        defer { gitolite.remove() }
        let (user, home, keys) = (gitolite.user, gitolite.home, gitolite.keys)
        let client = daemon.temp("client")
        try Posix.mkdir(client, mode: 0o700)

        let wired = try gitolite.wire(daemon)
        #expect(wired.status == .exited(0), "\(wired.standardOutput)\(wired.standardError)")
        #expect(wired.standardOutput.contains("Added \(user) to the group dokuen"))
        let rc = String(decoding: try Posix.readFile(home + "/.gitolite.rc"), as: UTF8.self)
        #expect(rc.contains("'dokuen',") && rc.contains("LOCAL_CODE                =>  \"$ENV{HOME}/local\","))
        let hook = try Posix.readlink(home + "/repositories/blog.git/hooks/pre-receive")
        #expect(hook.hasSuffix("local/hooks/common/pre-receive"), "\(hook)")

        let server = try SSHServer(directory: daemon.temp("sshd"), users: [user])
        defer { server.stop() }

        // alice creates the app through gitolite's command, then her push deploys it.
        let create = try server.ssh(key: keys + "/alice", user: user, "dokuen apps create blog", home: client)
        #expect(create.status == .exited(0), "\(create.standardError)")
        let work = daemon.temp("work")
        try Self.workTree(work, home: client)
        let remote = "\(user)@127.0.0.1:blog.git"
        let pushed = try Self.git(
            ["push", remote, "main"], in: work, home: client, server: server, key: keys + "/alice")
        #expect(pushed.status == .exited(0), "\(pushed.standardError)")
        #expect(pushed.standardError.contains("remote: -----> Release v1 is up ("), "\(pushed.standardError)")

        // bob is denied by gitolite: no push, no verb.
        #expect(
            try Self.git(["commit", "-q", "--allow-empty", "-m", "bob"], in: work, home: client).status == .exited(0))
        let denied = try Self.git(["push", remote, "main"], in: work, home: client, server: server, key: keys + "/bob")
        #expect(denied.status != .exited(0))
        #expect(denied.standardError.contains("DENIED"), "\(denied.standardError)")
        #expect(!denied.standardError.contains("Deploying"))
        let bobSet = try server.ssh(key: keys + "/bob", user: user, "dokuen config set blog X=2", home: client)
        #expect(bobSet.status == .exited(1))
        #expect(bobSet.standardError.contains("gitolite does not give bob W on blog"), "\(bobSet.standardError)")

        // alice's verb works, and the event log names her.
        let set = try server.ssh(key: keys + "/alice", user: user, "dokuen config set blog X=1", home: client)
        #expect(set.status == .exited(0), "\(set.standardError)")
        let injected = try server.ssh(key: keys + "/alice", user: user, "dokuen status; id", home: client)
        #expect(injected.status != .exited(0))
        let log = try events(daemon)
        #expect(log.contains { $0.actor == "alice (via \(user))" && $0.action.hasPrefix("config") }, "\(log)")
        #expect(log.contains { $0.actor == "alice (via \(user))" && $0.action.hasPrefix("deploy") }, "\(log)")
        #expect(log.contains { $0.actor == "bob (via \(user))" && $0.action == "ssh.refused" }, "\(log)")
        let releases = try JSONDecoder().decode(
            [ReleaseEntry].self, from: Data(try daemon.dokuen(["releases", "blog", "--json"]).stdout))
        #expect(releases.map(\.version) == ["v2", "v1"], "a config change is v2; bob's push made none")
    }
}
