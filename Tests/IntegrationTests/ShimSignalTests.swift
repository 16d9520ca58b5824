import DokuenPosix
import DokuenSupervision
import TestSupport
import Testing

/// The app starts with every signal at its default disposition and none blocked, whatever the shim inherited or
/// set for itself: signals ignored by the shim's starter (SIGUSR2, the realtime 34, and glibc's own 32 and 33, which
/// its `signal()` refuses, so that a reset through it once left them ignored in the app) and those the shim blocks
/// for its signalfd (SIGCHLD, SIGTERM, SIGINT, SIGHUP) or ignores (SIGPIPE).
@Suite(.timeLimit(.minutes(2))) struct ShimSignalTests {
    /// rt_sigaction's number, for perl's `syscall` (perl-base is essential on Debian; glibc refuses 32 and 33).
    #if arch(arm64)
        static let rtSigaction = 134
    #else
        static let rtSigaction = 13
    #endif

    @Test func signalsIgnoredOrBlockedAboveTheAppAreResetInIt() throws {
        // A kernel sigaction of SIG_IGN (1) with no flags, set by the raw call for 32 and 33; then the shim.
        let ignoreGlibcSignals =
            "for my $s (32, 33) { my $a = pack(\"Q4\", 1, 0, 0, 0); "
            + "syscall(\(Self.rtSigaction), $s, $a, 0, 8) == 0 or die \"$s: $!\" } exec @ARGV"
        let shim = try ShimHarness(
            ["--restart", "never"], command: ["/bin/grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"],
            launcher: "trap '' USR2 34; set -- /usr/bin/perl -e '\(ignoreGlibcSignals)' \"$@\"")
        defer { shim.stop() }
        let exited = try #require(try shim.waitFor(.exited), "\(shim.transcript)")
        #expect(exited.error == "")
        #expect(exited.lastExit == .code(0))

        // The shim itself does ignore them (inherited from the launcher), and blocks its own: the test proves
        // something only then.
        let shimStatus = String(decoding: try Posix.readFile("/proc/\(exited.shimPID)/status"), as: UTF8.self)
        let ignored: UInt64 = 1 << 11 | 1 << 31 | 1 << 32 | 1 << 33  // SIGUSR2, 32, 33, 34
        let blocked: UInt64 = 1 << 0 | 1 << 1 | 1 << 14 | 1 << 16  // SIGHUP, SIGINT, SIGTERM, SIGCHLD
        #expect(mask("SigIgn", in: shimStatus) & ignored == ignored, "\(shimStatus)")
        #expect(mask("SigBlk", in: shimStatus) & blocked == blocked, "\(shimStatus)")

        #expect(try shim.log() == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n")
    }

    /// The hexadecimal mask of a `Sig…:` line of /proc/PID/status, 0 when there is none.
    private func mask(_ key: String, in status: String) -> UInt64 {
        for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
            let digits = line.dropFirst(key.count + 1).filter { $0 != "\t" && $0 != " " }
            return UInt64(digits, radix: 16) ?? 0
        }
        return 0
    }
}
