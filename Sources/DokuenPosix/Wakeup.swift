#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wakes a thread blocked in poll(2) on `fd`: `wake`, from any thread, makes `fd` readable; `drain`, on the waiting
/// thread after its poll, makes it quiet again. A self-pipe whose ends never block: a wake while the pipe is full
/// finds a wake already pending. A class, so that both fds stay open until every side is done with them.
public final class Wakeup: Sendable {
    /// The end to poll for reading.
    public let fd: Int32
    private let writeEnd: Int32

    public init() throws(PosixError) {
        (fd, writeEnd) = try Posix.pipe()
        for end in [fd, writeEnd] { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
    }

    /// Makes `fd` readable until the next `drain`.
    public func wake() {
        var byte: UInt8 = 1
        // EAGAIN: the pipe is full, so the waiting thread wakes anyway.
        while write(writeEnd, &byte, 1) < 0 && errno == EINTR {}
    }

    /// Reads every pending wake.
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 || (count < 0 && errno == EINTR) { continue }
            return  // EAGAIN: empty
        }
    }

    deinit {
        Posix.close(fd)
        Posix.close(writeEnd)
    }
}
