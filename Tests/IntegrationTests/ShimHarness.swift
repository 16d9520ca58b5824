import DokuenPosix
import DokuenSupervision
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One `dokuen-shim run` started by a test, with an events socket so the test awaits each status change instead of
/// polling the file. `stop()` (in a defer) kills the shim's child group and the shim, by PID.
final class ShimHarness {
    let temp: TemporaryDirectory
    let events: NotifySocket
    let shim: BackgroundProgram
    var directory: String { temp("svc") }
    /// Every status the shim announced, in order.
    private(set) var transcript: [StatusRecord] = []

    /// `launcher`, when given, is a shell snippet that runs before the shim execs (e.g. `ulimit -n 64`).
    init(_ options: [String], command: [String], label: String = "shim", launcher: String? = nil) throws {
        temp = try TemporaryDirectory(label)
        events = try NotifySocket(path: temp("events"))
        var arguments = ["run", "--dir", temp("svc"), "--events", temp("events")] + options + ["--"] + command
        var program = builtProductsDirectory() + "/dokuen-shim"
        if let launcher {
            arguments = ["-c", launcher + "; exec \"$@\"", "sh", program] + arguments
            program = "/bin/sh"
        }
        shim = try BackgroundProgram(
            program, arguments,
            environment: ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": temp.path, "WORK": temp.path])
    }

    /// Awaits the first announced status that satisfies `condition`; nil if the deadline passes first.
    func waitFor(
        milliseconds: Int32 = 20_000, _ condition: (StatusRecord) -> Bool
    ) throws -> StatusRecord? {
        if let seen = transcript.first(where: condition) { return seen }
        let end = monotonic() + Int64(milliseconds)
        while true {
            let left = end - monotonic()
            guard left > 0, let message = try events.receive(milliseconds: Int32(left)) else { return nil }
            guard let record = StatusRecord(decoding: message) else { continue }
            transcript.append(record)
            if condition(record) { return record }
        }
    }

    func waitFor(_ state: ShimState, milliseconds: Int32 = 20_000) throws -> StatusRecord? {
        try waitFor(milliseconds: milliseconds) { $0.state == state }
    }

    /// Forgets what was seen so far, so that the next `await` looks only at new announcements.
    func clearTranscript() { transcript.removeAll() }

    func status() throws -> StatusRecord? {
        StatusRecord(decoding: String(decoding: try Posix.readFile(directory + "/status"), as: UTF8.self))
    }

    func control(_ command: String) throws -> ProgramResult {
        try runProgram(builtProductsDirectory() + "/dokuen-shim", ["ctl", directory, command])
    }

    func log(_ suffix: String = "") throws -> String {
        String(decoding: try Posix.readFile(directory + "/log" + suffix), as: UTF8.self)
    }

    func stop() {
        if let record = try? status(), record.pgid > 0 { _ = try? Posix.kill(-record.pgid, SIGKILL) }
        shim.stop()
        temp.remove()
    }
}

func monotonic() -> Int64 { monotonicMilliseconds() }

/// Whether a process exists and is not a zombie.
func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? Posix.readFile("/proc/\(pid)/stat") else { return false }
    let text = String(decoding: stat, as: UTF8.self)
    guard let close = text.lastIndex(of: ")") else { return false }
    return !text[text.index(after: close)...].hasPrefix(" Z")
}

/// The pids of live processes whose arguments, joined by spaces, are `commandLine` (a zombie's command line is
/// empty, so zombies never match).
func pids(commandLine: String) -> [Int32] {
    guard let names = try? Posix.listDirectory("/proc") else { return [] }
    return names.compactMap { name in
        guard let pid = Int32(name), let bytes = try? Posix.readFile("/proc/\(name)/cmdline") else { return nil }
        let words = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return words.joined(separator: " ") == commandLine ? pid : nil
    }
}

/// Waits until a process runs each of `commandLines`; false if `milliseconds` pass first. No event says that a
/// grandchild has exec'd, so this one wait looks at /proc every 10 ms, up to its deadline.
func awaitProcesses(_ commandLines: [String], milliseconds: Int64 = 10_000) -> Bool {
    let end = monotonic() + milliseconds
    while !commandLines.allSatisfy({ !pids(commandLine: $0).isEmpty }) {
        if monotonic() >= end { return false }
        usleep(10_000)
    }
    return true
}

/// SIGKILLs, by pid, every process running one of `commandLines`: a test's cleanup of what it started.
func killProcesses(_ commandLines: [String]) {
    for line in commandLines {
        for pid in pids(commandLine: line) { _ = try? Posix.kill(pid, SIGKILL) }
    }
}
