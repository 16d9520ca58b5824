import DokuenPosix
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SSHTests {
    /// gitolite3 for a temporary user, as the package's postinst would set it up, with `conf` as its gitolite.conf
    /// and a key pair per name in `keys/` (`admin` is gitolite's admin), wired to `daemon` by `dokuen gitolite setup`.
    /// `remove()` (in a defer) deletes the user and its home.
    struct Gitolite {
        let user: String
        let home: String
        let keys: String

        init(daemon: DaemonHarness, conf: String, users: [String]) throws {
            user = "dkt\(getpid())\(Int.random(in: 0..<1000))g"
            home = daemon.temp("gitolite-home")
            keys = daemon.temp("keys")
            let made = try runProgram(
                "/usr/sbin/useradd",
                ["--create-home", "--home-dir", home, "--shell", "/bin/sh", "--password", "*", user])
            #expect(made.status == .exited(0), "\(made.standardError)")
            try Posix.mkdir(keys, mode: 0o755)
            for name in ["admin"] + users { try SSHTests.makeKey(keys + "/" + name) }
            let environment = ["PATH": "/usr/bin:/bin", "HOME": home]
            let setup = try runProgram(
                "/usr/sbin/runuser", ["-u", user, "--", "/usr/bin/gitolite", "setup", "-pk", keys + "/admin.pub"],
                environment: environment)
            #expect(setup.status == .exited(0), "\(setup.standardError)")
            for name in users {
                try AtomicFile.write(
                    try Posix.readFile(keys + "/\(name).pub"), to: home + "/.gitolite/keydir/\(name).pub")
            }
            try AtomicFile.write(Array(conf.utf8), to: home + "/.gitolite/conf/gitolite.conf")
            #expect(try runProgram("/bin/chown", ["-R", "\(user):\(user)", home]).status == .exited(0))
            let compiled = try runProgram(
                "/usr/sbin/runuser", ["-u", user, "--", "/usr/bin/gitolite", "setup"], environment: environment)
            #expect(compiled.status == .exited(0), "\(compiled.standardError)")
        }

        /// `dokuen gitolite setup` for this gitolite.
        func wire(_ daemon: DaemonHarness) throws -> ProgramResult {
            try daemon.dokuen(["gitolite", "setup", "--user", user])
        }

        func remove() { _ = try? runProgram("/usr/sbin/userdel", ["--remove", user]) }
    }
}
