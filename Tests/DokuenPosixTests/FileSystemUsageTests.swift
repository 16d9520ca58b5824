import DokuenPosix
import Testing

/// statvfs(3) in plain values, for the disk alert (docs/ALERTS.md): df's Use%, rounded up.
@Suite struct FileSystemUsageTests {
    @Test func percentUsedIsDfsUsePercent() {
        #expect(FileSystemUsage(usedBytes: 0, availableBytes: 0).percentUsed == 0)
        #expect(FileSystemUsage(usedBytes: 0, availableBytes: 10).percentUsed == 0)
        #expect(FileSystemUsage(usedBytes: 9, availableBytes: 1).percentUsed == 90)
        #expect(FileSystemUsage(usedBytes: 901, availableBytes: 99).percentUsed == 91)
        #expect(FileSystemUsage(usedBytes: 10, availableBytes: 0).percentUsed == 100)
    }

    @Test func theRootFileSystemReads() throws {
        let usage = try Posix.fileSystemUsage("/")
        #expect(usage.usedBytes > 0 && (0...100).contains(usage.percentUsed))
        #expect(throws: PosixError.self) { try Posix.fileSystemUsage("/no/such/directory") }
    }
}
