#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// AF_UNIX sockets by path: the CLI's connection to dokuend, the events socket, a test's stand-in for systemd.
/// The caller owns the returned fd. Paths are limited to 107 bytes (`sun_path`, docs/STACK-NOTES.md §4.14).
public enum UnixSocket {
    /// A connected stream socket.
    public static func connect(_ path: String) throws(PosixError) -> Int32 {
        try open(streamType, path, "connect to", sys_connect)
    }

    /// Writes all of `bytes` to the connected socket `fd`, looping over short writes. A peer that closed its end
    /// (dokuend killed in the middle of a request) is an EPIPE error, not a SIGPIPE that kills the caller.
    public static func sendAll(_ fd: Int32, _ bytes: [UInt8], path: String? = nil) throws(PosixError) {
        var offset = 0
        while offset < bytes.count {
            let sent = try Posix.call("send to", path: path) {
                bytes.withUnsafeBytes { sys_sendNoSignal(fd, $0.baseAddress! + offset, $0.count - offset) }
            }
            offset += sent
        }
    }

    /// Ends both directions of the connected socket `fd` (shutdown(2), SHUT_RDWR), which stays open: a read blocked
    /// on it in another thread returns 0. Errors are ignored: ENOTCONN says the peer is gone already.
    public static func shutdown(_ fd: Int32) {
        #if canImport(Glibc)
            _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
        #else
            _ = Darwin.shutdown(fd, SHUT_RDWR)
        #endif
    }

    /// A datagram socket bound at `path` (an old socket file there is replaced).
    public static func bindDatagram(_ path: String) throws(PosixError) -> Int32 {
        if try Posix.lstat(path) != nil { try Posix.unlink(path) }
        return try open(datagramType, path, "bind", sys_bind)
    }

    /// A socket of `type`, then `call` (connect or bind) on `path`'s address; closed again when that fails.
    private static func open(
        _ type: Int32, _ path: String, _ verb: String,
        _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) throws(PosixError) -> Int32 {
        var address = try address(path)
        let fd = sys_socket(AF_UNIX, type)
        guard fd >= 0 else { throw PosixError("create socket", path: path, errno: errno) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                call(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            let code = errno
            Posix.close(fd)
            throw PosixError(verb, path: path, errno: code)
        }
        return fd
    }

    #if canImport(Glibc)
        private static let streamType = Int32(SOCK_STREAM.rawValue)
        private static let datagramType = Int32(SOCK_DGRAM.rawValue)
    #else
        private static let streamType = SOCK_STREAM
        private static let datagramType = SOCK_DGRAM
    #endif

    private static func address(_ path: String) throws(PosixError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw PosixError("bind", path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return address
    }
}
