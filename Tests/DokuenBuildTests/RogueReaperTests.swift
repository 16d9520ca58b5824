import DokuenBuild
import DokuenPosix
import Foundation
import Synchronization
import Testing

/// Trap 4 (docs/STACK-NOTES.md §1.5, §4.4): a thread elsewhere in the process that reaps with `waitpid(-1)` (what a
/// SIGCHLD loop does), or a SIGCHLD set to SIG_IGN, must not take a step's exit status. Each case runs in a child
/// process of its own (an exit test), so that its reaper cannot steal the children of tests running beside it.
@Suite(.timeLimit(.minutes(2))) struct RogueReaperTests {
    /// The reaper demonstrably reaps an ordinary child, yet the step's `exit 7` is reported as 7, ten times over.
    @Test func exitCodeSurvivesAWaitpidMinusOneLoop() async {
        await #expect(processExitsWith: .success) {
            let reaped = Mutex<[Int32]>([])
            let stop = Atomic<Bool>(false)
            let reaper = Thread {
                while !stop.load(ordering: .relaxed) {
                    var status: Int32 = 0
                    let pid = waitpid(-1, &status, WNOHANG)
                    if pid > 0 { reaped.withLock { $0.append(pid) } }
                    usleep(100)
                }
            }
            reaper.start()
            defer { stop.store(true, ordering: .relaxed) }

            // Control: an ordinary posix_spawn child is taken by the reaper.
            let control = try ChildProcess.spawn(
                "/bin/sh", arguments: ["-c", "exit 7"], environment: [:], stdin: 0,
                stdout: 1, stderr: 2)
            var waited = 0
            while !reaped.withLock({ $0.contains(control.pid) }) {
                usleep(10_000)
                waited += 1
                if waited > 500 { exit(10) }  // the reaper never reaped: the test would prove nothing
            }

            for _ in 0..<10 {
                let step = BuildStep(
                    label: "exit 7", executable: "/bin/sh", arguments: ["-c", "sleep 0.05; exit 7"],
                    environment: [:])
                let status = try await StepRunner.run(step, onLine: { _ in })
                if status != .exited(7) { exit(11) }
            }
        }
    }

    /// With SIGCHLD ignored the kernel reaps ordinary children by itself; a step's child is not one of them.
    @Test func exitCodeSurvivesAnIgnoredSigchld() async {
        await #expect(processExitsWith: .success) {
            signal(SIGCHLD, SIG_IGN)
            let step = BuildStep(label: "exit 9", executable: "/bin/sh", arguments: ["-c", "exit 9"], environment: [:])
            let status = try await StepRunner.run(step, onLine: { _ in })
            if status != .exited(9) { exit(12) }
        }
    }
}
