import DokuenPosix
import DokuenSupervision
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The shim's logs: no byte lost under a flood, exact rotation, timestamps.
@Suite(.timeLimit(.minutes(3))) struct ShimLogTests {
    /// 64 MiB of distinct 100-byte lines, as fast as `seq` writes them; every byte must be in the log and its
    /// rotated files, in order.
    @Test func aFloodOf64MiBLosesNoByte() throws {
        let lines = 671_089  // × 100 bytes ≥ 64 MiB
        let shim = try ShimHarness(
            ["--restart", "never", "--log-max-bytes", "\(16 << 20)", "--log-backups", "10"],
            command: ["seq", "-f", "%099g", "1", "\(lines)"])
        defer { shim.stop() }
        let exited = try #require(try shim.waitFor(milliseconds: 120_000) { $0.state == .exited })
        #expect(exited.lastExit == .code(0))
        #expect(exited.droppedBytes == 0)

        var files = try Posix.listDirectory(shim.directory).filter { $0.hasPrefix("log") }
        files.sort { (Int($0.dropFirst(4)) ?? 0) > (Int($1.dropFirst(4)) ?? 0) }  // log.4 … log.1, log
        #expect(files.count == 5, "\(files)")
        var total = 0
        var expected = 1
        var mismatch: String?
        for file in files {
            let bytes = try Posix.readFile(shim.directory + "/" + file)
            total += bytes.count
            for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
                if mismatch == nil, line.count != 99 || Int(String(decoding: line, as: UTF8.self)) != expected {
                    mismatch = "\(file): line \(expected) is \(String(decoding: line.prefix(120), as: UTF8.self))"
                }
                expected += 1
            }
        }
        #expect(mismatch == nil)
        #expect(total == lines * 100)
        #expect(expected - 1 == lines)
    }

    @Test func rotationKeepsExactlyKBackups() throws {
        let shim = try ShimHarness(
            ["--restart", "never", "--log-max-bytes", "10000", "--log-backups", "3"],
            command: ["seq", "-f", "%099g", "1", "2000"])
        defer { shim.stop() }
        _ = try #require(try shim.waitFor(.exited))
        let files = try Posix.listDirectory(shim.directory).filter { $0.hasPrefix("log") }
        #expect(files == ["log", "log.1", "log.2", "log.3"])
        for file in files.dropFirst() {
            #expect(try Posix.readFile(shim.directory + "/" + file).count == 10_000, "rotation at whole lines")
        }
        // The newest lines are in `log`, the ones just before in log.1.
        func line(_ number: Int) -> String { String(repeating: "0", count: 99 - String(number).count) + "\(number)\n" }
        let inLog = try shim.log().count / 100
        #expect(try shim.log().hasSuffix(line(2000)))
        #expect(try shim.log(".1").hasSuffix(line(2000 - inLog)))
    }

    @Test func timestampsPrefixEveryLine() throws {
        let shim = try ShimHarness(
            ["--restart", "never", "--log-timestamps"], command: ["/bin/sh", "-c", "echo one; printf 'two\\nthree'"])
        defer { shim.stop() }
        _ = try #require(try shim.waitFor(.exited))
        // The unterminated last line is ended when the child exits, so the log stays whole lines.
        #expect(try shim.log().hasSuffix("three\n"))
        let lines = try shim.log().split(separator: "\n")
        #expect(lines.count == 3, "\(lines)")
        for (line, text) in zip(lines, ["one", "two", "three"]) {
            #expect(line.count == 25 + text.count && line.hasSuffix(" " + text) && line.dropFirst(23).hasPrefix("Z "))
        }
    }

    /// A full disk (here /dev/full, where every write fails with ENOSPC) never stalls the child: the shim keeps
    /// draining the pipe and counts what it drops.
    @Test func aFullDiskCountsDroppedBytes() throws {
        let shim = try ShimHarness(
            ["--restart", "never", "--log", "/dev/full", "--log-max-bytes", "0"],
            command: ["seq", "-f", "%099g", "1", "10000"])
        defer { shim.stop() }
        let exited = try #require(try shim.waitFor(milliseconds: 30_000) { $0.state == .exited })
        #expect(exited.lastExit == .code(0), "the child was not blocked")
        #expect(exited.droppedBytes == 1_000_000)
    }
}
