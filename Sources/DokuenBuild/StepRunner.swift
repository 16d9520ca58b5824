public import DokuenPosix
import Foundation

/// Runs one buildpack program and streams its output line by line. The four traps of docs/STACK-NOTES.md §1.5 and §4
/// are closed by construction (docs/DEPENDENCIES.md, "Running buildpack programs"):
/// 1. the child starts with an empty signal mask and default dispositions whatever thread spawns it, in its own
///    session, so SIGTERM to its group works;
/// 2. output is read with plain read(2) calls until end of file, and the last line is delivered even without a
///    newline;
/// 3. the end is the main process's exit, not the end of its output; whatever is left of its group is then
///    killed, so a background grandchild neither delays the end nor survives it;
/// 4. the program is the child of a keeper process that never execs and has no exit signal (`spawnExclusive`),
///    so neither a `waitpid(-1)` elsewhere in the process nor an ignored SIGCHLD can take its exit status.
///
/// The blocking reads and waits happen on a thread of their own, never on Swift's cooperative pool, which the
/// daemon's API needs (the machine has 2 cores).
public enum StepRunner {
    /// How long output is still read after the group was killed, in case something escaped the group (a daemon
    /// that called setsid) and still holds the pipe.
    public static let drainLimit: Duration = .seconds(2)

    /// Runs `step` to its end and returns how it exited; a non-zero exit is the caller's to judge. `onLine` gets
    /// each line of stdout and stderr (one merged stream, as on Heroku) as it arrives, on the step's own thread.
    /// Throws when the program cannot start, runs past `step.timeout`, or the task is cancelled; in the last two
    /// cases its whole process group was stopped first (SIGTERM, `step.grace`, SIGKILL).
    public static func run(_ step: BuildStep, onLine: @escaping @Sendable (String) -> Void) async throws(BuildError)
        -> ExitStatus
    {
        let wake: Wakeup
        do { wake = try Wakeup() } catch { throw .couldNotStart(step: step.label, error) }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<ExitStatus, BuildError>, Never>) in
                let thread = Thread {
                    continuation.resume(returning: runBlocking(step, wake: wake, onLine: onLine))
                }
                thread.name = "dokuen-step"
                thread.start()
            }
        } onCancel: {
            wake.wake()
        }
        return try result.get()
    }

    /// The whole run, blocking the calling thread.
    static func runBlocking(_ step: BuildStep, wake: Wakeup, onLine: @escaping @Sendable (String) -> Void) -> Result<
        ExitStatus, BuildError
    > {
        let output: (read: Int32, write: Int32)
        do { output = try Posix.pipe() } catch { return .failure(.couldNotStart(step: step.label, error)) }
        let started: (child: ChildProcess, report: Int32, keeper: Int32)
        do {
            let input = try Posix.open(step.standardInput ?? "/dev/null", .readOnly)
            defer { Posix.close(input) }
            started = try ChildProcess.spawnExclusive(
                step.executable, arguments: step.arguments, environment: step.environment,
                workingDirectory: step.workingDirectory, credentials: step.user, stdin: input, stdout: output.write,
                stderr: output.write, grouping: .newSession, dieWithParent: step.dieWithParent)
        } catch {
            Posix.close(output.read)
            Posix.close(output.write)
            return .failure(.couldNotStart(step: step.label, error))
        }
        // Only the child's copies of the write end remain: end of file means every writer is gone.
        Posix.close(output.write)
        defer {
            Posix.close(output.read)
            Posix.close(started.report)
            Posix.close(started.keeper)
        }
        var reader = PipeReader(fd: output.read, onLine: onLine)
        do throws(PosixError) {
            let ending = try superviseUntilExit(step, started, wake: wake, reader: &reader)
            try reader.drain(until: ContinuousClock.now + drainLimit)
            reader.finish()
            switch ending {
            case .exited(let status): return .success(status)
            case .timedOut(let seconds): return .failure(.timedOut(step: step.label, seconds: seconds))
            case .cancelled: return .failure(.cancelled(step: step.label))
            }
        } catch {
            // Only poll or read can fail here, and neither should: make sure nothing is left running.
            _ = try? started.child.signalGroup(.kill)
            _ = try? ChildProcess.exclusiveStatus(report: started.report, keeper: started.keeper)
            reader.finish()
            return .failure(.io(step: step.label, error))
        }
    }

    private enum Ending {
        case exited(ExitStatus)
        case timedOut(seconds: Double)
        case cancelled
    }

    /// Reads output until the main process exits, enforcing the timeout and cancellation. The keeper has by then
    /// killed what was left of the group (while the unreaped program still held the group id, so the id cannot
    /// have been reused) and reaped the program.
    private static func superviseUntilExit(
        _ step: BuildStep, _ started: (child: ChildProcess, report: Int32, keeper: Int32), wake: Wakeup,
        reader: inout PipeReader
    ) throws(PosixError) -> Ending {
        let child = started.child
        let clock = ContinuousClock()
        var timeoutAt = step.timeout.map { clock.now + $0 }
        var killAt: ContinuousClock.Instant?
        var stopReason: Ending?
        while true {
            let next = [timeoutAt, killAt].compactMap { $0 }.min()
            let ready = try Posix.poll(
                [reader.isOpen ? reader.fd : -1, started.report, stopReason == nil ? wake.fd : -1],
                milliseconds: next.map { milliseconds(until: $0, clock: clock) } ?? -1)
            if ready[0] { try reader.readOnce() }
            if ready[1] {
                let status = try ChildProcess.exclusiveStatus(report: started.report, keeper: started.keeper)
                return stopReason ?? .exited(status)
            }
            if ready[2] {
                stopReason = .cancelled
                timeoutAt = nil
                try child.signalGroup(.terminate)
                killAt = clock.now + step.grace
            }
            if let deadline = timeoutAt, clock.now >= deadline {
                stopReason = .timedOut(seconds: seconds(of: step.timeout ?? .zero))
                timeoutAt = nil
                try child.signalGroup(.terminate)
                killAt = clock.now + step.grace
            }
            if let deadline = killAt, clock.now >= deadline {
                killAt = nil
                try child.signalGroup(.kill)
            }
        }
    }

    static func milliseconds(until instant: ContinuousClock.Instant, clock: ContinuousClock) -> Int32 {
        let left = clock.now.duration(to: instant)
        if left <= .zero { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }
}

/// The read end of a step's output pipe and the lines read from it so far.
struct PipeReader {
    let fd: Int32
    let onLine: @Sendable (String) -> Void
    private(set) var isOpen = true
    private var lines = OutputLines()
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    init(fd: Int32, onLine: @escaping @Sendable (String) -> Void) {
        self.fd = fd
        self.onLine = onLine
    }

    /// One read(2), after poll said the pipe is ready, so it does not block.
    mutating func readOnce() throws(PosixError) {
        let count = try Posix.read(fd, into: &buffer, path: "the output pipe")
        if count == 0 {
            isOpen = false
            return
        }
        for line in lines.append(buffer[0..<count]) { onLine(line) }
    }

    /// Reads until end of file or `deadline`.
    mutating func drain(until deadline: ContinuousClock.Instant) throws(PosixError) {
        let clock = ContinuousClock()
        while isOpen {
            let wait = StepRunner.milliseconds(until: deadline, clock: clock)
            guard wait > 0, try Posix.poll([fd], milliseconds: wait)[0] else { return }
            try readOnce()
        }
    }

    /// Delivers the last line if it had no newline.
    mutating func finish() {
        if let last = lines.finish() { onLine(last) }
    }
}

/// A duration in seconds, for messages.
func seconds(of duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) / 1e18
}
