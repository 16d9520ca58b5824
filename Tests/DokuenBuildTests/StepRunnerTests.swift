import DokuenPosix
import Foundation
import TestSupport
import Testing

@testable import DokuenBuild

/// The four traps of docs/STACK-NOTES.md §1.5 / §4, one test each, with real processes.
@Suite(.timeLimit(.minutes(2))) struct StepRunnerTests {
    static func shell(_ script: String, timeout: Duration? = nil, grace: Duration = .seconds(10)) -> BuildStep {
        BuildStep(
            label: "the test step", executable: "/bin/sh", arguments: ["-c", script],
            environment: ["PATH": "/usr/local/bin:/usr/bin:/bin"], timeout: timeout, grace: grace)
    }

    /// Trap 1: launched from a Task (a cooperative pool thread, whose mask blocks most signals), the child still
    /// starts with nothing blocked and nothing ignored, in a session of its own.
    @Test func childStartsWithAnEmptySignalMaskFromATask() async throws {
        let lines = LineCollector()
        let status = try await Task.detached {
            try await StepRunner.run(
                Self.shell("grep -E '^(SigBlk|SigIgn)' /proc/self/status; ps -o sid= -p $$; echo $$"),
                onLine: lines.add)
        }.value
        #expect(status == .exited(0))
        #expect(lines.lines.prefix(2) == ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"])
        #expect(lines.lines[2].trimmingCharacters(in: .whitespaces) == lines.lines[3], "the child leads its session")
    }

    /// Issue 12: Linux keeps a niceness per thread and a new process copies its creator's, so a step started from
    /// one of dokuend's threads at -2 would run at -2. It runs at 0: the spawned program's own
    /// `/proc/self/stat` (field 19) says so, while the thread that started it is at -2.
    @Test(.enabled(if: Posix.geteuid() == 0)) func stepStartsAtNicenessZeroWhateverTheCallersThread() async throws {
        let lines = LineCollector()
        let step = Self.shell("read -r stat < /proc/self/stat; set -- $stat; echo ${19}")
        let (callerNice, result) = await withCheckedContinuation {
            (continuation: CheckedContinuation<(Int32, Result<DokuenPosix.ExitStatus, BuildError>), Never>) in
            // A thread of its own, so no thread of the cooperative pool is left at -2 for the tests that follow.
            let thread = Thread {
                guard setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, -2) == 0, let wake = try? Wakeup()
                else {
                    return continuation.resume(returning: (0, .failure(.cancelled(step: "setup"))))
                }
                // On Linux, PRIO_PROCESS with 0 reads the calling thread (setpriority(2), BUGS).
                let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
                continuation.resume(returning: (nice, StepRunner.runBlocking(step, wake: wake, onLine: lines.add)))
            }
            thread.start()
        }
        #expect(callerNice == -2, "the caller's thread runs at -2, as dokuend's pool threads do")
        #expect(try result.get() == .exited(0))
        #expect(lines.lines == ["0"])
    }

    /// Trap 1, its consequence: on timeout, SIGTERM to the group reaches a script that traps it, well before the
    /// SIGKILL that would follow the grace period.
    @Test func timeoutSendsTermThatTheGroupReceives() async throws {
        let lines = LineCollector()
        await #expect(throws: BuildError.timedOut(step: "the test step", seconds: 1)) {
            try await StepRunner.run(
                Self.shell(
                    "trap 'echo got TERM; exit 0' TERM; echo ready; sleep 30 & wait", timeout: .seconds(1),
                    grace: .seconds(20)),
                onLine: lines.add)
        }
        // The trap's line is the proof: a KILL (after the 20 s grace) leaves no chance to print it. No timing is
        // asserted (README: performance is measured, never asserted in tests).
        #expect(lines.lines == ["ready", "got TERM"])
    }

    /// Trap 2: the last line without a newline is delivered, every time.
    @Test func lastUnterminatedLineIsNeverLost() async throws {
        for run in 0..<50 {
            let lines = LineCollector()
            let status = try await StepRunner.run(
                Self.shell("echo first; echo second >&2; printf 'no-newline'"), onLine: lines.add)
            #expect(status == .exited(0))
            #expect(lines.lines == ["first", "second", "no-newline"], "run \(run)")
        }
    }

    /// Trap 3: a background grandchild holding the output pipe neither delays the end nor survives it. Its
    /// `sleep 600` outlasts the suite's time limit, so an end that waited for it fails the test.
    @Test func backgroundGrandchildDoesNotDelayTheEndAndDies() async throws {
        let temp = try TemporaryDirectory("step")
        defer { temp.remove() }
        let lines = LineCollector()
        let status = try await StepRunner.run(
            Self.shell("sleep 600 & echo $! > \(temp("grandchild")); echo done; exit 3"), onLine: lines.add)
        #expect(status == .exited(3))
        #expect(lines.lines == ["done"])
        let grandchild = try #require(
            Int32(
                String(decoding: try Posix.readFile(temp("grandchild")), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try Posix.waitForExit(pid: grandchild, milliseconds: 5_000), "grandchild \(grandchild) survived")
    }

    /// Something that left the group (setsid) and keeps the pipe open delays the end by at most the drain limit:
    /// its `sleep 600` outlasts the suite's time limit, so an end that waited for the pipe to close fails the test.
    @Test func escapedHolderOfThePipeDelaysTheEndAtMostByTheDrainLimit() async throws {
        let temp = try TemporaryDirectory("step")
        defer { temp.remove() }
        let lines = LineCollector()
        let status = try await StepRunner.run(
            Self.shell("setsid sh -c 'echo $$ > \(temp("escaped")); exec sleep 600' & sleep 0.3; echo done"),
            onLine: lines.add)
        let escaped = try #require(
            Int32(
                String(decoding: (try? Posix.readFile(temp("escaped"))) ?? [], as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        // The keeper is a subreaper: the escaped process came back to it and ended with the step.
        let alive = (try? Posix.kill(escaped, 0)) ?? false
        if alive { try Posix.kill(escaped, SIGKILL) }
        #expect(!alive, "a setsid process outlived its step")
        #expect(status == .exited(0))
        #expect(lines.lines == ["done"])
    }

    /// A double-forked daemon started by a step (as a careless compile script would) ends with the step.
    @Test func aDoubleForkedDaemonEndsWithItsStep() async throws {
        let temp = try TemporaryDirectory("step")
        defer { temp.remove() }
        let status = try await StepRunner.run(
            Self.shell("(setsid sh -c 'echo $$ > \(temp("daemon")); exec sleep 600' &) ; sleep 0.2"),
            onLine: { _ in })
        #expect(status == .exited(0))
        let daemon = try #require(
            Int32(
                String(decoding: try Posix.readFile(temp("daemon")), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        let alive = (try? Posix.kill(daemon, 0)) ?? false
        if alive { try Posix.kill(daemon, SIGKILL) }
        #expect(!alive, "a double-forked process outlived its step")
    }

    /// A step past its timeout that ignores SIGTERM is killed with its whole group after the grace period, and no
    /// process of it survives.
    @Test func timeoutKillsTheWholeGroupWhenTermIsIgnored() async throws {
        let temp = try TemporaryDirectory("step")
        defer { temp.remove() }
        await #expect(throws: BuildError.timedOut(step: "the test step", seconds: 0.5)) {
            try await StepRunner.run(
                Self.shell(
                    "trap '' TERM; sleep 60 & echo $! > \(temp("grandchild")); wait", timeout: .milliseconds(500),
                    grace: .seconds(1)),
                onLine: { _ in })
        }
        // TERM was ignored: only the KILL after the grace ends it, and it reaches the whole group.
        let grandchild = try #require(
            Int32(
                String(decoding: try Posix.readFile(temp("grandchild")), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try Posix.waitForExit(pid: grandchild, milliseconds: 5_000), "grandchild \(grandchild) survived")
    }

    /// Cancelling the task stops the step's group and throws.
    @Test func cancellationStopsTheGroup() async throws {
        let task = Task {
            try await StepRunner.run(Self.shell("echo started; sleep 30"), onLine: { _ in })
        }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        await #expect(throws: BuildError.cancelled(step: "the test step")) { try await task.value }
    }

    @Test func missingProgramIsAClearError() async {
        let step = BuildStep(label: "the x buildpack's detect", executable: "/nonexistent/bin/detect", environment: [:])
        await #expect(
            throws: BuildError.couldNotStart(
                step: "the x buildpack's detect", PosixError("start", path: "/nonexistent/bin/detect", errno: ENOENT))
        ) {
            try await StepRunner.run(step, onLine: { _ in })
        }
        let badDirectory = BuildStep(
            label: "s", executable: "/bin/true", environment: [:], workingDirectory: "/nonexistent")
        await #expect(
            throws: BuildError.couldNotStart(step: "s", PosixError("start", path: "/bin/true", errno: ENOENT))
        ) {
            try await StepRunner.run(badDirectory, onLine: { _ in })
        }
    }

    /// Exactly the given environment and working directory reach the program.
    @Test func environmentAndDirectoryAreExactlyTheGivenOnes() async throws {
        let lines = LineCollector()
        let step = BuildStep(
            label: "env", executable: "/usr/bin/env", environment: ["A": "1", "B": "two words"],
            workingDirectory: "/tmp")
        #expect(try await StepRunner.run(step, onLine: lines.add) == .exited(0))
        #expect(lines.lines == ["A=1", "B=two words"])
        let pwd = LineCollector()
        let cwd = BuildStep(label: "pwd", executable: "/bin/pwd", environment: [:], workingDirectory: "/usr/share")
        #expect(try await StepRunner.run(cwd, onLine: pwd.add) == .exited(0))
        #expect(pwd.lines == ["/usr/share"])
    }

    /// When the tests run as root, a step can run as the unprivileged `dokuen` user (docs/DESIGN.md §2, privileges):
    /// uid, gid and supplementary groups all switch.
    @Test(.enabled(if: Posix.geteuid() == 0 && ChildProcess.Credentials.lookup(user: "dokuen") != nil))
    func runsAsTheUnprivilegedUser() async throws {
        let dokuen = try #require(ChildProcess.Credentials.lookup(user: "dokuen"))
        let lines = LineCollector()
        let step = BuildStep(
            label: "id", executable: "/bin/sh",
            arguments: ["-c", "id -u; id -g; id -G; touch /root/x 2>&1 || echo denied"],
            environment: ["PATH": "/usr/bin:/bin"], workingDirectory: "/tmp", user: dokuen)
        #expect(try await StepRunner.run(step, onLine: lines.add) == .exited(0))
        #expect(
            lines.lines.prefix(3) == [
                "\(dokuen.uid)", "\(dokuen.gid)", dokuen.groups.map(String.init).joined(separator: " "),
            ])
        #expect(lines.lines.last == "denied")
    }
}
