#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive flock(2) on a file, held while this object lives. Liveness that rests on a lock cannot be fooled
/// by a reused PID (runit's and s6's `lock` files work the same way). The kernel drops the lock when the holder
/// dies, however it dies.
public final class FileLock: Sendable {
    public let path: String
    private let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    /// Takes the lock, creating the file if needed. Nil when another process holds it.
    public static func tryAcquire(_ path: String) throws(PosixError) -> FileLock? {
        let fd = try Posix.open(path, O_RDWR | O_CREAT, mode: 0o600)
        do {
            guard try Posix.flock(fd, LOCK_EX | LOCK_NB, path: path) else {
                Posix.close(fd)
                return nil
            }
        } catch {
            Posix.close(fd)
            throw error
        }
        return FileLock(path: path, fd: fd)
    }

    /// Whether some process holds the lock on `path` right now (false when the file does not exist).
    public static func isHeld(_ path: String) throws(PosixError) -> Bool {
        let fd: Int32
        do { fd = try Posix.open(path, O_RDONLY) } catch  where error.errno == ENOENT { return false }
        defer { Posix.close(fd) }
        guard try Posix.flock(fd, LOCK_SH | LOCK_NB, path: path) else { return true }
        _ = try? Posix.flock(fd, LOCK_UN, path: path)
        return false
    }

    deinit { Posix.close(fd) }
}
