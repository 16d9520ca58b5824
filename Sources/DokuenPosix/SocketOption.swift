#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A (level, name) pair of getsockopt(2), for code that reads socket options through another library (NIO's
/// `unsafeGetSocketOption`) and must not import libc for the constants (docs/ARCHITECTURE.md).
public struct SocketOption: Hashable, Sendable {
    public let level: Int32
    public let name: Int32

    #if os(Linux)
        /// SO_PEERCRED: the pid, uid and gid of the process at the other end of a Unix socket (`struct ucred`).
        public static let peerCredentials = SocketOption(level: SOL_SOCKET, name: SO_PEERCRED)
    #endif
}
