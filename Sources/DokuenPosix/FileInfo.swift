#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What stat(2) says of a file, in plain values, so that callers outside DokuenPosix need neither `struct stat` nor
/// the S_IF* constants (docs/ARCHITECTURE.md).
public struct FileInfo: Equatable, Sendable {
    /// The type bits of `st_mode`.
    public enum Kind: Equatable, Sendable {
        case regular, directory, symlink, fifo, socket, characterDevice, blockDevice
    }

    public let kind: Kind
    /// The permission bits, setuid, setgid and sticky included (`st_mode & 0o7777`).
    public let permissions: UInt32
    public let uid: UInt32
    public let gid: UInt32
    public let size: Int64
    /// The device and inode: the file's identity, to tell a renamed-over file from the one still open.
    public let device: UInt64
    public let inode: UInt64

    public init(
        kind: Kind, permissions: UInt32, uid: UInt32, gid: UInt32, size: Int64, device: UInt64 = 0, inode: UInt64 = 0
    ) {
        self.kind = kind
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.size = size
        self.device = device
        self.inode = inode
    }

    init(_ info: CStat) {
        let kind: Kind =
            switch info.st_mode & S_IFMT {
            case S_IFDIR: .directory
            case S_IFLNK: .symlink
            case S_IFIFO: .fifo
            case S_IFSOCK: .socket
            case S_IFCHR: .characterDevice
            case S_IFBLK: .blockDevice
            default: .regular
            }
        self.init(
            kind: kind, permissions: UInt32(info.st_mode & 0o7777), uid: info.st_uid, gid: info.st_gid,
            size: Int64(info.st_size), device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}

extension Posix {
    /// lstat(2): the status of `path` itself, not of what a symlink points to. Nil when nothing is there.
    public static func lstat(_ path: String) throws(PosixError) -> FileInfo? {
        try status(path) { sys_lstat(path, $0) }
    }

    /// stat(2): the status of what `path` names, after symlinks. Nil when nothing is there (a dangling link too).
    public static func statFollowingSymlinks(_ path: String) throws(PosixError) -> FileInfo? {
        try status(path) { sys_stat(path, $0) }
    }

    /// fstat(2): the status of an open file.
    public static func fstat(_ fd: Int32, path: String? = nil) throws(PosixError) -> FileInfo {
        var info = CStat()
        try call("stat", path: path) { sys_fstat(fd, &info) }
        return FileInfo(info)
    }

    private static func status(_ path: String, _ body: (UnsafeMutablePointer<CStat>) -> Int32)
        throws(PosixError) -> FileInfo?
    {
        var info = CStat()
        do {
            try call("stat", path: path) { body(&info) }
        } catch  where error.errno == ENOENT || error.errno == ENOTDIR {
            return nil
        }
        return FileInfo(info)
    }

    /// Whether stat(2) of `path` succeeds: something is there, after symlinks.
    public static func exists(_ path: String) -> Bool {
        var info = CStat()
        return sys_stat(path, &info) == 0
    }

    /// access(2) with X_OK: whether this process may execute `path` (a directory counts, as for access(2)).
    public static func canExecute(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// chown(2), following symlinks; a nil id is left as it is (-1 to the kernel).
    public static func chown(_ path: String, uid: UInt32?, gid: UInt32?) throws(PosixError) {
        try call("chown", path: path) { sys_chown(path, uid ?? UInt32.max, gid ?? UInt32.max) }
    }
}
