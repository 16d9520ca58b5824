import DokuenPosix
import DokuenSupervision
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The child's niceness and rlimits (`--nice`, `--limit`; issue 12). The shim runs at niceness -2, as it does when
/// a thread of dokuend's pool starts it: the child must start at 0 all the same, or at what `--nice` says.
@Suite(
    .timeLimit(.minutes(1)), .enabled(if: geteuid() == 0, "a negative niceness and --user need root"))
struct ShimLimitsTests {
    /// What the child reports: its uid, niceness, open-files limit, process limit and core limit.
    static let report = ["/bin/bash", "-c", "echo $(id -u) $(ps -o ni= -p $$) $(ulimit -n) $(ulimit -u) $(ulimit -c)"]

    /// Runs the shim under `nice -n -2` with `options`, until its child has exited; returns the child's report.
    func report(_ options: [String]) throws -> String {
        let shim = try ShimHarness(
            ["--restart", "never", "--cwd", "/"] + options, command: Self.report, launcher: "exec nice -n -2 \"$@\"")
        defer { shim.stop() }
        let exited = try #require(try shim.waitFor(.exited), "\(shim.transcript)")
        #expect(exited.lastExit == .code(0) && exited.error == "")
        let stat = String(decoding: try Posix.readFile("/proc/\(shim.shim.child.pid)/stat"), as: UTF8.self)
        let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
        #expect(fields[16] == "-2", "the shim itself runs at -2 (field 19 of proc(5)'s stat)")
        return try shim.log()
    }

    @Test func theChildStartsAtNiceZeroWhateverTheShimRunsAt() throws {
        let words = try report([]).split(separator: " ")
        #expect(words.count == 5 && words[0] == "0" && words[1] == "0", "\(words)")
    }

    @Test func niceAndLimitsApplyToTheChild() throws {
        let options = ["--nice", "5", "--limit", "nofile=123", "--limit", "nproc=77", "--limit", "core=unlimited"]
        #expect(try report(options) == "0 5 123 77 unlimited\n")
    }

    /// The limits are set before the drop to `nobody` and hold after it; RLIMIT_NPROC then counts nobody's
    /// processes.
    @Test func limitsApplyAfterTheDropToAnotherUser() throws {
        let options = [
            "--user", "nobody", "--nice", "3", "--limit", "nofile=99", "--limit", "nproc=55", "--limit", "core=0",
        ]
        #expect(try report(options) == "65534 3 99 55 0\n")
    }

    /// `--user :UID:GID` (runit's chpst form, which dokuend passes) drops to those ids without a lookup; the shim
    /// then has no NSS module mapped.
    @Test func aUserGivenByItsIdsNeedsNoLookup() throws {
        let shim = try ShimHarness(
            ["--restart", "never", "--cwd", "/", "--user", ":65534:65534"],
            command: ["/bin/bash", "-c", "echo $(id -u) $(id -g) $(id -G)"])
        defer { shim.stop() }
        let exited = try #require(try shim.waitFor(.exited), "\(shim.transcript)")
        #expect(exited.lastExit == .code(0) && exited.error == "")
        #expect(try shim.log() == "65534 65534 65534\n")
        let maps = String(decoding: try Posix.readFile("/proc/\(shim.shim.child.pid)/maps"), as: UTF8.self)
        #expect(!maps.contains("libnss_"), "\(maps)")
    }

    /// `--user NAME` is read from /etc/passwd and /etc/group themselves: the shim links glibc statically and cannot
    /// load NSS modules. getpwnam(3) and getgrouplist(3) there loaded Debian's `systemd` module for an ordinary user
    /// (not for `nobody`) and crashed the shim before its child ran: cron jobs and add-ons, which dokuend named so,
    /// never started in release builds. The user's supplementary group counts, the others do not.
    @Test func aNamedUserIsReadFromTheFiles() throws {
        let name = "dkt-shimuser"
        let group = "dkt-shimgroup"
        _ = try runProgram("/usr/sbin/userdel", [name])
        _ = try runProgram("/usr/sbin/groupdel", [group])
        #expect(try runProgram("/usr/sbin/groupadd", ["--system", group]).status == .exited(0))
        #expect(
            try runProgram("/usr/sbin/useradd", ["--system", "--no-create-home", "--groups", group, name]).status
                == .exited(0))
        defer {
            _ = try? runProgram("/usr/sbin/userdel", [name])
            _ = try? runProgram("/usr/sbin/groupdel", [group])
        }
        let expected = try runProgram("/usr/bin/id", [name]).standardOutput
        let shim = try ShimHarness(
            ["--restart", "never", "--cwd", "/", "--user", name], command: ["/usr/bin/id"])
        defer { shim.stop() }
        let exited = try #require(try shim.waitFor(.exited), "\(shim.transcript)")
        #expect(exited.lastExit == .code(0) && exited.error == "", "\(shim.transcript)")
        #expect(try shim.log() == expected)
        #expect(expected.contains(group), "\(expected)")
    }

    /// A limit the kernel refuses (above /proc/sys/fs/nr_open) fails the start and names the step.
    @Test func aRefusedLimitFailsTheStart() throws {
        let shim = try ShimHarness(
            ["--backoff", "60000", "--limit", "nofile=1099511627776"], command: Self.report)
        defer { shim.stop() }
        let failed = try #require(try shim.waitFor { !$0.error.isEmpty }, "\(shim.transcript)")
        #expect(failed.error == "setrlimit /bin/bash: Operation not permitted")
    }
}
