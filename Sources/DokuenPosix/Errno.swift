#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An errno value with a name, so that callers outside DokuenPosix compare and throw errnos without importing libc
/// (docs/ARCHITECTURE.md). `description` is strerror(3)'s text.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// EPERM: the caller lacks the privilege (a chown or setuid without root).
    public static let notPermitted = Errno(rawValue: EPERM)
    /// ENOENT: no such file or directory.
    public static let noEntry = Errno(rawValue: ENOENT)
    /// ESRCH: no such process.
    public static let noSuchProcess = Errno(rawValue: ESRCH)
    /// EINTR: a signal interrupted the call (`Posix.call` retries it).
    public static let interrupted = Errno(rawValue: EINTR)
    /// ECHILD: not a child of this process, or already reaped.
    public static let noChild = Errno(rawValue: ECHILD)
    /// EAGAIN (EWOULDBLOCK on Linux): a non-blocking call would block.
    public static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    /// EACCES: permission denied by a file's mode.
    public static let accessDenied = Errno(rawValue: EACCES)
    /// EEXIST: the file exists.
    public static let exists = Errno(rawValue: EEXIST)
    /// ENOTDIR: a component of the path is not a directory.
    public static let notDirectory = Errno(rawValue: ENOTDIR)
    /// EISDIR: the file is a directory.
    public static let isDirectory = Errno(rawValue: EISDIR)
    /// EINVAL: an argument is not valid (also: a user's file that is not a regular file, see `readUserFile`).
    public static let invalid = Errno(rawValue: EINVAL)
    /// ETXTBSY: the executable is open for writing.
    public static let textBusy = Errno(rawValue: ETXTBSY)
    /// EFBIG: the file is too large (also: a user's file over its limit, see `readUserFile`).
    public static let fileTooLarge = Errno(rawValue: EFBIG)
    /// EMFILE: this process has no fd left.
    public static let tooManyOpenFiles = Errno(rawValue: EMFILE)
    /// ENOSPC: no space left on the device.
    public static let noSpace = Errno(rawValue: ENOSPC)
    /// EPIPE: the other end of a pipe or socket is closed.
    public static let brokenPipe = Errno(rawValue: EPIPE)
    /// ENAMETOOLONG: the path (or a socket's address) is too long.
    public static let nameTooLong = Errno(rawValue: ENAMETOOLONG)
    /// ENOSYS: the kernel lacks the call (pidfd_open before Linux 5.3).
    public static let notImplemented = Errno(rawValue: ENOSYS)
    /// ENOTEMPTY: the directory is not empty.
    public static let notEmpty = Errno(rawValue: ENOTEMPTY)
    /// ELOOP: too many symlinks, or a symlink opened with O_NOFOLLOW.
    public static let loop = Errno(rawValue: ELOOP)
    /// ECONNREFUSED: nothing listens on the socket.
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    /// ETIMEDOUT: the deadline passed.
    public static let timedOut = Errno(rawValue: ETIMEDOUT)
    /// EINPROGRESS: a non-blocking connect goes on.
    public static let inProgress = Errno(rawValue: EINPROGRESS)

    /// The errno the last failed call of this thread left.
    static var current: Errno { Errno(rawValue: errno) }

    public var description: String { String(cString: strerror(rawValue)) }
}

extension PosixError {
    /// A failed call with a named errno.
    public init(_ call: String, path: String? = nil, _ code: Errno) {
        self.init(call, path: path, errno: code.rawValue)
    }

    /// The errno as a named value, for `switch error.code { case .loop: … }`.
    public var code: Errno { Errno(rawValue: errno) }
}
