import Testing

@testable import DokuenPosix

#if canImport(Glibc)
    import Glibc
#endif

/// `status --json`'s rss_bytes and cpu_seconds: the parsing of /proc/PID/stat and statm on fixed lines, then one
/// real read.
@Suite struct ProcessUsageTests {
    /// A real line of /proc/PID/stat (proc(5)): utime 250 and stime 50 ticks, parent 4242.
    static let stat =
        "4243 (python3) S 4242 4243 4243 0 -1 4194560 2722 0 0 0 250 50 0 0 20 0 1 0 123456 27000000 2500 "
        + "18446744073709551615 1 1 0 0 0 0 0 16781312 2 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

    @Test func residentPagesAndTicksBecomeBytesAndSeconds() throws {
        let usage = try #require(
            ProcessUsage(stat: Self.stat, statm: "6750 2500 1200 700 0 1900 0\n", ticksPerSecond: 100, pageSize: 4096))
        #expect(usage == ProcessUsage(parentPID: 4242, residentBytes: 2500 * 4096, cpuSeconds: 3.0))
    }

    @Test func aCommandNameWithSpacesAndParenthesesIsSkipped() throws {
        let tricky = Self.stat.replacing("(python3)", with: "(a) b) 1 2 (c)")
        let usage = try #require(ProcessUsage(stat: tricky, statm: "1 2", ticksPerSecond: 100, pageSize: 4096))
        #expect(usage.parentPID == 4242 && usage.cpuSeconds == 3.0 && usage.residentBytes == 8192)
    }

    @Test(arguments: [
        ("", "1 2"), ("4243 python3 S 4242", "1 2"), ("4243 (python3) S 4242 1 2 3", "1 2"),
        (stat.replacing(" 250 50 ", with: " x 50 "), "1 2"), (stat, ""), (stat, "6750"), (stat, "6750 -1"),
        (stat, "6750 lots"), (stat, "6750 9223372036854775807"),
    ])
    func malformedLinesGiveNil(_ stat: String, _ statm: String) {
        #expect(ProcessUsage(stat: stat, statm: statm, ticksPerSecond: 100, pageSize: 4096) == nil)
    }

    @Test func noTicksPerSecondGivesNil() {
        #expect(ProcessUsage(stat: Self.stat, statm: "1 2", ticksPerSecond: 0, pageSize: 4096) == nil)
    }

    @Test func thisProcessIsReadAndAMissingOneIsNil() throws {
        let usage = try #require(ProcessUsage.read(pid: Posix.getpid()))
        #expect(usage.parentPID == getppid())
        #expect(usage.residentBytes > 1 << 20, "a test runner holds more than a MiB")
        #expect(usage.cpuSeconds >= 0)
        #expect(ProcessUsage.read(pid: 0) == nil)
        #expect(ProcessUsage.read(pid: Int32.max) == nil, "above pid_max: no such process")
    }
}
