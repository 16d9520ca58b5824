import DokuenPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A long-running program (a daemon) started by a test, with its output in files. `stop()` must run in a defer:
/// it kills the whole process group and reaps the child, so no test leaves a process behind.
public final class BackgroundProgram {
    public let child: ChildProcess
    private let scratch: TemporaryDirectory
    private var reaped: ExitStatus?

    public init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        scratch = try TemporaryDirectory("bg")
        let input = try Posix.open("/dev/null", O_RDONLY)
        let output = try Posix.open(scratch("stdout"), O_WRONLY | O_CREAT | O_TRUNC)
        let errors = try Posix.open(scratch("stderr"), O_WRONLY | O_CREAT | O_TRUNC)
        defer {
            Posix.close(input)
            Posix.close(output)
            Posix.close(errors)
        }
        child = try ChildProcess.spawn(
            executable, arguments: arguments, environment: environment, stdin: input, stdout: output, stderr: errors)
    }

    public var standardOutput: String {
        String(decoding: (try? Posix.readFile(scratch("stdout"))) ?? [], as: UTF8.self)
    }

    public var standardError: String { String(decoding: (try? Posix.readFile(scratch("stderr"))) ?? [], as: UTF8.self) }

    /// Waits up to `milliseconds` for the program to exit by itself.
    public func wait(milliseconds: Int32) throws -> ExitStatus? {
        if let reaped { return reaped }
        reaped = try child.wait(milliseconds: milliseconds)
        return reaped
    }

    /// Sends `signal` to the program alone (not its group).
    public func signal(_ signal: Int32) throws { try Posix.kill(child.pid, signal) }

    /// Kills whatever is left of the group and reaps the child.
    public func stop() {
        _ = try? child.signalGroup(SIGKILL)
        if reaped == nil { reaped = try? child.wait() }
        scratch.remove()
    }
}
