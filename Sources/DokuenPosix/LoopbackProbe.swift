#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Health probes of an instance's port on 127.0.0.1 (docs/DESIGN.md §2, deploy step 5): whether it accepts a TCP
/// connection, and one HTTP exchange. Blocking, each bounded by its deadline (poll(2) on a non-blocking socket),
/// so the caller runs them off the cooperative pool.
public enum LoopbackProbe {
    /// Whether 127.0.0.1:`port` accepts a connection within `milliseconds`.
    public static func accepts(port: Int, milliseconds: Int) -> Bool {
        guard let fd = try? connect(port: port, deadline: Deadline(milliseconds)) else { return false }
        Posix.close(fd)
        return true
    }

    /// Sends `request` to 127.0.0.1:`port` and returns what comes back until the server closes, `limit` bytes
    /// arrive, or `milliseconds` pass (then it throws ETIMEDOUT).
    public static func exchange(
        port: Int, request: [UInt8], milliseconds: Int, limit: Int = 65_536
    ) throws(PosixError) -> [UInt8] {
        let deadline = Deadline(milliseconds)
        let fd = try connect(port: port, deadline: deadline)
        defer { Posix.close(fd) }
        var sent = 0
        while sent < request.count {
            try wait(fd, for: Int16(POLLOUT), deadline: deadline, call: "send to 127.0.0.1:\(port)")
            let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw PosixError("send to 127.0.0.1:\(port)", errno: errno)
            }
            sent += count
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while answer.count < limit {
            try wait(fd, for: Int16(POLLIN), deadline: deadline, call: "read from 127.0.0.1:\(port)")
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw PosixError("read from 127.0.0.1:\(port)", errno: errno)
            }
            if count == 0 { break }
            answer += buffer[..<min(count, limit - answer.count)]
        }
        return answer
    }

    struct Deadline {
        let end: ContinuousClock.Instant
        init(_ milliseconds: Int) { end = ContinuousClock.now.advanced(by: .milliseconds(milliseconds)) }
        /// Milliseconds left, at least 0.
        var left: Int32 {
            let left = end - ContinuousClock.now
            guard left > .zero else { return 0 }
            return Int32(
                min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 600_000))
        }
    }

    /// A non-blocking socket connected to 127.0.0.1:`port`.
    private static func connect(port: Int, deadline: Deadline) throws(PosixError) -> Int32 {
        guard (1...65_535).contains(port) else { throw PosixError("connect to port \(port)", errno: EINVAL) }
        #if canImport(Glibc)
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        #else
            let type = SOCK_STREAM
        #endif
        let fd = sys_socket(AF_INET, type)
        guard fd >= 0 else { throw PosixError("create socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sys_connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        let call = "connect to 127.0.0.1:\(port)"
        if result != 0 {
            guard errno == EINPROGRESS else {
                let code = errno
                Posix.close(fd)
                throw PosixError(call, errno: code)
            }
            do throws(PosixError) {
                try wait(fd, for: Int16(POLLOUT), deadline: deadline, call: call)
            } catch {
                Posix.close(fd)
                throw error
            }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &length)
            if failure != 0 {
                Posix.close(fd)
                throw PosixError(call, errno: failure)
            }
        }
        return fd
    }

    /// Waits until `fd` is ready for `events`, or throws ETIMEDOUT at the deadline.
    private static func wait(_ fd: Int32, for events: Int16, deadline: Deadline, call: String) throws(PosixError) {
        while true {
            let left = deadline.left
            guard left > 0 else { throw PosixError(call, errno: ETIMEDOUT) }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = sys_poll(&entry, 1, left)
            if ready < 0 {
                if errno == EINTR { continue }
                throw PosixError(call, errno: errno)
            }
            if ready > 0 { return }
        }
    }
}
