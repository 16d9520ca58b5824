#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Posix {
    /// pread(2): up to `count` bytes (at most the buffer's size) from `offset`, without moving the fd's offset, into
    /// the start of `buffer`. Returns the count read, 0 at end of file.
    public static func read(
        _ fd: Int32, into buffer: inout [UInt8], count: Int? = nil, at offset: Int64, path: String? = nil
    ) throws(PosixError) -> Int {
        let wanted = min(count ?? buffer.count, buffer.count)
        return try call("read", path: path) {
            buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, wanted, off_t(offset)) }
        }
    }
}
