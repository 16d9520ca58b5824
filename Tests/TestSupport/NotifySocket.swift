import DokuenPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A stand-in for systemd's notification socket: a bound AF_UNIX datagram socket whose path a test passes to a
/// daemon as `NOTIFY_SOCKET`, and reads `sd_notify` messages from.
public final class NotifySocket {
    public let path: String
    private let fd: Int32

    public init(path: String) throws {
        self.path = path
        fd = try UnixSocket.bindDatagram(path)
    }

    /// The next message, or nil if none arrives within `milliseconds`.
    public func receive(milliseconds: Int32) throws -> String? {
        guard try Posix.waitReadable(fd, milliseconds: milliseconds) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { throw PosixError("receive from", path: path, errno: errno) }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Reads messages until one contains `assignment` (e.g. `READY=1`); nil if the deadline passes first.
    public func waitFor(_ assignment: String, milliseconds: Int32 = 30_000) throws -> String? {
        var remaining = milliseconds
        while remaining > 0 {
            let started = monotonicMilliseconds()
            guard let message = try receive(milliseconds: remaining) else { return nil }
            if message.split(separator: "\n").contains(Substring(assignment)) { return message }
            remaining -= Int32(monotonicMilliseconds() - started)
        }
        return nil
    }

    deinit { Posix.close(fd) }
}

/// The monotonic clock in milliseconds.
public func monotonicMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
