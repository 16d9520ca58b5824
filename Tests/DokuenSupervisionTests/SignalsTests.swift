import DokuenSupervision
import Glibc
import Testing

/// The pure code's signal numbers against the C library's, and the `--stop-signal` parser.
@Suite struct SignalsTests {
    @Test func numbersAreGlibcs() {
        #expect(Signals.hangup == SIGHUP)
        #expect(Signals.interrupt == SIGINT)
        #expect(Signals.quit == SIGQUIT)
        #expect(Signals.kill == SIGKILL)
        #expect(Signals.user1 == SIGUSR1)
        #expect(Signals.user2 == SIGUSR2)
        #expect(Signals.terminate == SIGTERM)
        #expect(Signals.continueProcess == SIGCONT)
    }

    @Test(
        arguments: [
            ("TERM", SIGTERM), ("SIGTERM", SIGTERM), ("15", SIGTERM), ("HUP", SIGHUP), ("SIGHUP", SIGHUP),
            ("INT", SIGINT), ("QUIT", SIGQUIT), ("KILL", SIGKILL), ("SIGKILL", SIGKILL), ("USR1", SIGUSR1),
            ("USR2", SIGUSR2), ("CONT", SIGCONT), ("WINCH", SIGWINCH), ("SIGWINCH", SIGWINCH), ("1", 1), ("9", 9),
            ("64", 64),
        ] as [(String, Int32)])
    func parses(text: String, number: Int32) {
        #expect(Signals.number(text) == number)
    }

    @Test(arguments: [
        "0", "65", "-1", "-15", "FOO", "SIGFOO", "", "SIG", "term", "sigterm", "Term", " TERM", "TERM ", "SIG15",
        "SIGSIGTERM", "1.0", "99999999999",
    ])
    func rejects(text: String) {
        #expect(Signals.number(text) == nil)
    }
}
