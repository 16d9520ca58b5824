#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Posix {
    /// recv(2) of one datagram into `buffer` (cut to its size); returns its length. Blocks until one arrives.
    public static func receive(_ fd: Int32, into buffer: inout [UInt8], path: String? = nil) throws(PosixError) -> Int {
        try call("receive from", path: path) {
            buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        }
    }
}
