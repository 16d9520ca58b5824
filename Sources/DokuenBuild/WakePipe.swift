import DokuenPosix

/// A pipe that wakes a thread blocked in poll(2): the cancellation handler of a step writes one byte, and the
/// step's thread sees its read end become readable. A class, so that the fds stay open until both sides are done
/// with them: a handler that runs late never writes into an fd number that was closed and reused.
final class WakePipe: Sendable {
    let readEnd: Int32
    private let writeEnd: Int32

    init() throws(PosixError) {
        (readEnd, writeEnd) = try Posix.pipe()
    }

    /// Makes the read end readable. Extra calls only add bytes nobody reads.
    func wake() { try? Posix.writeAll(writeEnd, [1]) }

    deinit {
        Posix.close(readEnd)
        Posix.close(writeEnd)
    }
}
