#if canImport(Glibc)
    import Glibc
#endif

/// What one live process uses, as `status --json` shows it: resident memory and CPU time, from `/proc/PID/stat`
/// and `/proc/PID/statm` (proc(5)). Parsing is a plain function of the two lines, so it is tested on fixed text;
/// `read` is the only part that touches /proc.
public struct ProcessUsage: Equatable, Sendable {
    /// Field 4 of stat: who started it, so a caller can tell its own child from a process that reused the pid.
    public var parentPID: Int32
    /// Resident pages (field 2 of statm) times the page size.
    public var residentBytes: Int
    /// User plus system time (fields 14 and 15 of stat), in seconds. Children's times are not counted.
    public var cpuSeconds: Double

    public init(parentPID: Int32, residentBytes: Int, cpuSeconds: Double) {
        self.parentPID = parentPID
        self.residentBytes = residentBytes
        self.cpuSeconds = cpuSeconds
    }

    /// Parses the text of `/proc/PID/stat` and `/proc/PID/statm`; nil when either is not what proc(5) describes.
    /// `ticksPerSecond` is sysconf(_SC_CLK_TCK), `pageSize` sysconf(_SC_PAGESIZE).
    public init?(stat: String, statm: String, ticksPerSecond: Int, pageSize: Int) {
        // Field 2, the command name in parentheses, may itself hold spaces and ")": the fields resume after the
        // last ")" of the line.
        guard ticksPerSecond > 0, let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        guard fields.count > 12, let parent = Int32(fields[1]), let user = UInt64(fields[11]),
            let system = UInt64(fields[12])
        else { return nil }
        let pages = statm.split(separator: " ", omittingEmptySubsequences: true)
        guard pages.count > 1, let resident = Int(pages[1]), resident >= 0,
            case (let bytes, false) = resident.multipliedReportingOverflow(by: pageSize)
        else { return nil }
        self.init(
            parentPID: parent, residentBytes: bytes,
            cpuSeconds: Double(user &+ system) / Double(ticksPerSecond))
    }

    /// The usage of `pid` now; nil when it is gone (or was never there) or /proc cannot be read.
    public static func read(pid: Int32) -> ProcessUsage? {
        guard pid > 0, let stat = try? Posix.readFile("/proc/\(pid)/stat"),
            let statm = try? Posix.readFile("/proc/\(pid)/statm")
        else { return nil }
        return ProcessUsage(
            stat: String(decoding: stat, as: UTF8.self), statm: String(decoding: statm, as: UTF8.self),
            ticksPerSecond: sysconf(Int32(_SC_CLK_TCK)), pageSize: sysconf(Int32(_SC_PAGESIZE)))
    }
}
