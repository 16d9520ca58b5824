#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How full a file system is, from statvfs(3), in plain values (the disk alert, docs/ALERTS.md).
public struct FileSystemUsage: Equatable, Sendable {
    /// Bytes in use.
    public let usedBytes: UInt64
    /// Bytes an unprivileged user may still write (blocks reserved for root excluded, as df counts).
    public let availableBytes: UInt64

    public init(usedBytes: UInt64, availableBytes: UInt64) {
        self.usedBytes = usedBytes
        self.availableBytes = availableBytes
    }

    /// The percentage df's Use% column shows: used over used plus available, rounded up.
    public var percentUsed: Int {
        let whole = usedBytes + availableBytes
        guard whole > 0 else { return 0 }
        return Int((usedBytes * 100 + whole - 1) / whole)
    }
}

extension Posix {
    /// The usage of the file system holding `path`.
    public static func fileSystemUsage(_ path: String) throws(PosixError) -> FileSystemUsage {
        var info = statvfs()
        try call("statvfs", path: path) { statvfs(path, &info) }
        let unit = UInt64(info.f_frsize == 0 ? info.f_bsize : info.f_frsize)
        let used = (UInt64(info.f_blocks) - UInt64(info.f_bfree)) * unit
        return FileSystemUsage(usedBytes: used, availableBytes: UInt64(info.f_bavail) * unit)
    }
}
