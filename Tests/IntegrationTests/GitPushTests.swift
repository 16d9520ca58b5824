import DokuenAPI
import DokuenCore
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `git push` to an app's bare repository deploys it through the pre-receive hook (a push over the filesystem runs
/// the same hook as one over ssh).
@Suite(.serialized, .timeLimit(.minutes(3))) struct GitPushTests {
    static let procfile = "web: exec python3 -m http.server $PORT --bind 127.0.0.1\n"

    /// git as the test's user, with an identity and no system config. As root the test pushes to repositories
    /// that the `dokuen` user owns (real pushes arrive as that user over ssh), so its global config trusts them.
    func git(_ daemon: DaemonHarness, _ arguments: [String], in directory: String? = nil) throws -> ProgramResult {
        var arguments = arguments
        if let directory { arguments = ["-C", directory] + arguments }
        let config = daemon.temp(".gitconfig")
        if (try Posix.lstat(config)) == nil {
            try AtomicFile.write(Array("[safe]\n\tdirectory = *\n[init]\n\tdefaultBranch = main\n".utf8), to: config)
        }
        return try runProgram(
            "/usr/bin/git", arguments,
            environment: [
                "PATH": "/usr/bin:/bin", "HOME": daemon.temp.path, "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com", "GIT_COMMITTER_NAME": "Ada",
                "GIT_COMMITTER_EMAIL": "ada@example.com",
            ])
    }

    func commit(_ daemon: DaemonHarness, _ work: String, _ files: [String: String]) throws -> String {
        for (name, text) in files { try AtomicFile.write(Array(text.utf8), to: work + "/" + name) }
        #expect(try git(daemon, ["add", "-A"], in: work).status == .exited(0))
        #expect(try git(daemon, ["commit", "-q", "-m", "change"], in: work).status == .exited(0))
        return try git(daemon, ["rev-parse", "HEAD"], in: work).standardOutput.trimmingCharacters(in: .newlines)
    }

    @Test func aPushOfMainDeploysAndAFailedDeployRejectsThePush() throws {
        let daemon = try DaemonHarness(label: "push")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        let repo = daemon.root + "/apps/blog/repo.git"
        let hook = String(decoding: try Posix.readFile(repo + "/hooks/pre-receive"), as: UTF8.self)
        #expect(hook.contains("hook pre-receive --root '\(daemon.root)' --app blog"), "\(hook)")
        #expect(try #require(try Posix.lstat(repo + "/hooks/pre-receive")).permissions & 0o777 == 0o755)

        let work = daemon.temp("work")
        #expect(try git(daemon, ["init", "-q", work]).status == .exited(0))
        let first = try commit(daemon, work, ["Procfile": Self.procfile, "index.html": "one\n"])
        let pushed = try git(daemon, ["push", repo, "main"], in: work)
        #expect(pushed.status == .exited(0), "\(pushed.standardError)")
        #expect(pushed.standardError.contains("remote: -----> Deploying blog from main at \(first.prefix(7))"))
        #expect(pushed.standardError.contains("remote: -----> Release v1 is up ("), "\(pushed.standardError)")
        #expect(pushed.standardError.contains("remote: -----> http://127.0.0.1:"), "the URL at the end")
        let releases = try JSONDecoder().decode(
            [ReleaseEntry].self, from: Data(try daemon.dokuen(["releases", "blog", "--json"]).stdout))
        #expect(releases.map(\.commit) == [first])
        let running = try daemon.waitUntil("web RUNNING") { $0.count == 1 && $0[0].state == "RUNNING" }
        // The release's metadata in the instance's environment: the commit pushed, as Heroku's SOURCE_VERSION.
        let environ = try Posix.readFile("/proc/\(try #require(running[0].pid))/environ")
        let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(
            variables.contains("SOURCE_VERSION=\(first)") && variables.contains("DOKUEN_RELEASE=v1"), "\(variables)")

        // Another branch: accepted, not deployed.
        #expect(try git(daemon, ["checkout", "-q", "-b", "feature"], in: work).status == .exited(0))
        _ = try commit(daemon, work, ["index.html": "feature\n"])
        let feature = try git(daemon, ["push", repo, "feature"], in: work)
        #expect(feature.status == .exited(0))
        #expect(feature.standardError.contains("Not deploying refs/heads/feature: blog deploys its main branch"))

        // A deploy that fails rejects the push: main does not move and v1 keeps serving.
        #expect(try git(daemon, ["checkout", "-q", "main"], in: work).status == .exited(0))
        _ = try commit(daemon, work, ["Procfile": "web: echo broken >&2; exit 3\n"])
        let rejected = try git(daemon, ["push", repo, "main"], in: work)
        #expect(rejected.status != .exited(0))
        #expect(
            rejected.standardError.contains("remote:  !     Push rejected: the deploy failed"),
            "\(rejected.standardError)")
        #expect(rejected.standardError.contains("remote:  !     Hint: fix what the lines above say"))
        let remote = try git(daemon, ["ls-remote", repo, "refs/heads/main"]).standardOutput
        #expect(remote.hasPrefix(first), "\(remote)")
        #expect(try daemon.dokuen(["apps", "info", "blog"]).standardOutput.contains("release:  v1"))

        // Another deploy branch: pushes of it deploy, pushes of main no longer do.
        let set = try daemon.dokuen(["git", "set-branch", "blog", "feature"])
        #expect(set.standardOutput == "Pushes of feature deploy blog\n", "\(set.standardError)")
        #expect(try daemon.dokuen(["git", "set-branch", "blog", "a;b"]).status == .exited(64))
        #expect(try git(daemon, ["checkout", "-q", "feature"], in: work).status == .exited(0))
        let third = try commit(daemon, work, ["index.html": "feature two\n"])
        let featurePush = try git(daemon, ["push", repo, "feature"], in: work)
        #expect(featurePush.standardError.contains("Deploying blog from feature at \(third.prefix(7))"))
        #expect(featurePush.standardError.contains("Release v2 is up"), "\(featurePush.standardError)")
        #expect(try daemon.dokuen(["git", "set-branch", "blog", "--default"]).status == .exited(0))
        #expect(try git(daemon, ["checkout", "-q", "main"], in: work).status == .exited(0))

        // Deleting the deploy branch is refused.
        let deleted = try git(daemon, ["push", repo, ":main"], in: work)
        #expect(deleted.status != .exited(0))
        #expect(deleted.standardError.contains("Deleting main, the deploy branch of blog, is refused"))
    }

    /// Two pushes at once both finish, one after the other: the second waits for the first and says so, then is
    /// refused because main moved meanwhile, so the branch and the release that serves always agree.
    /// `apps create` prints the remote to push to. As root, the repository belongs to the git user: the printed
    /// remote goes through `dokuen git receive-pack`, which pushes as that user, so git trusts the repository with
    /// no safe.directory setting and leaves no root-owned object behind. A plain path push as root is what git
    /// refuses ("dubious ownership").
    @Test func aPushByPathThroughTheRemoteAppsCreatePrints() throws {
        let daemon = try DaemonHarness(label: "rootpush")
        defer { daemon.stop() }
        let created = try daemon.dokuen(["apps", "create", "blog"])
        #expect(created.status == .exited(0), "\(created.standardError)")
        let repo = daemon.root + "/apps/blog/repo.git"
        let lines = created.standardOutput.split(separator: "\n").map(String.init)
        #expect(
            lines.prefix(3) == [
                "Created blog", "Pushes of main (or master while there is no main) deploy it; add the remote with:",
                "  git remote add dokuen \(repo)",
            ])
        let isolated = geteuid() == 0
        #expect(lines.count == (isolated ? 4 : 3), "\(created.standardOutput)")
        if isolated {
            #expect(lines[3].hasPrefix("  git config remote.dokuen.receivepack "), "\(lines[3])")
            #expect(lines[3].hasSuffix("/dokuen git receive-pack --root \(daemon.root)'"), "\(lines[3])")
        }

        // A user's git: an identity and no safe.directory anywhere.
        let home = daemon.temp("plainhome")
        try Posix.mkdir(home)
        try AtomicFile.write(Array("[init]\n\tdefaultBranch = main\n".utf8), to: home + "/.gitconfig")
        let environment = [
            "PATH": "/usr/bin:/bin", "HOME": home, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Ada",
            "GIT_AUTHOR_EMAIL": "ada@example.com", "GIT_COMMITTER_NAME": "Ada",
            "GIT_COMMITTER_EMAIL": "ada@example.com",
        ]
        let work = daemon.temp("rootwork")
        func run(_ arguments: [String]) throws -> ProgramResult {
            try runProgram("/usr/bin/git", ["-C", work] + arguments, environment: environment)
        }
        #expect(try runProgram("/usr/bin/git", ["init", "-q", work], environment: environment).status == .exited(0))
        try AtomicFile.write(Array(Self.procfile.utf8), to: work + "/Procfile")
        #expect(try run(["add", "-A"]).status == .exited(0))
        #expect(try run(["commit", "-q", "-m", "first"]).status == .exited(0))
        if isolated {
            let plain = try run(["push", repo, "main"])
            #expect(plain.status != .exited(0), "git refuses a repository root does not own")
            #expect(plain.standardError.contains("dubious ownership"), "\(plain.standardError)")
        }
        for line in lines.dropFirst(2) {
            let command = String(line.dropFirst(2))
            let result = try runProgram(
                "/bin/sh", ["-c", "cd \(Quoting.shell(work)) && " + command], environment: environment)
            #expect(result.status == .exited(0), "\(command): \(result.standardError)")
        }
        let pushed = try run(["push", "dokuen", "main"])
        #expect(pushed.status == .exited(0), "\(pushed.standardError)")
        #expect(pushed.standardError.contains("remote: -----> Release v1 is up ("), "\(pushed.standardError)")
        if isolated {
            let rootOwned = try runProgram("/usr/bin/find", [repo, "-uid", "0"])
            #expect(rootOwned.standardOutput.isEmpty, "root-owned files in the repository: \(rootOwned.standardOutput)")
        }
    }

    @Test func concurrentPushesAreSerialized() throws {
        let daemon = try DaemonHarness(label: "pushes")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        // Only web starts at a first deploy; kept for it (docs/DESIGN.md §2, Formation).
        #expect(try daemon.dokuen(["ps", "scale", "blog", "worker=1"]).status == .exited(0))
        let repo = daemon.root + "/apps/blog/repo.git"
        let base = daemon.temp("base")
        #expect(try git(daemon, ["init", "-q", base]).status == .exited(0))
        _ = try commit(daemon, base, ["Procfile": "worker: exec sleep 1000\n"])
        #expect(try git(daemon, ["push", "-q", repo, "main"], in: base).status == .exited(0))
        var works: [String] = []
        var commits: [String] = []
        for name in ["a", "b"] {
            let work = daemon.temp("work-" + name)
            #expect(try git(daemon, ["clone", "-q", repo, work]).status == .exited(0))
            commits.append(try commit(daemon, work, ["Procfile": "worker: echo \(name); exec sleep 1000\n"]))
            works.append(work)
        }
        let pushes = try works.map { work in
            try BackgroundProgram(
                "/usr/bin/git", ["-C", work, "push", repo, "main"],
                environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path, "GIT_CONFIG_NOSYSTEM": "1"])
        }
        defer { for push in pushes { push.stop() } }
        let statuses = try pushes.map { try $0.wait(milliseconds: 120_000) }
        let transcripts = pushes.map(\.standardError)
        let winner = try #require(statuses.firstIndex(of: .exited(0)), "\(transcripts)")
        let loser = 1 - winner
        #expect(statuses[loser] != .exited(0), "\(transcripts)")
        #expect(transcripts[loser].contains("Waiting for deploy"), "\(transcripts[loser])")
        #expect(transcripts[loser].contains("main moved to \(commits[winner].prefix(7)) while this push waited"))
        let remote = try git(daemon, ["ls-remote", repo, "refs/heads/main"]).standardOutput
        #expect(remote.hasPrefix(commits[winner]), "\(remote)")
        let releases = try JSONDecoder().decode(
            [ReleaseEntry].self, from: Data(try daemon.dokuen(["releases", "blog", "--json"]).stdout))
        #expect(releases.map(\.version) == ["v2", "v1"])
        #expect(releases.first?.commit == commits[winner], "the release that serves is the branch's commit")
    }
}
