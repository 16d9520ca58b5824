#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who owns what under an app's directory, and which processes a user has (docs/ISOLATION.md). Every walk goes
/// through directory fds opened with O_NOFOLLOW (openat(2)), so a symlink or a renamed directory placed by the app's
/// user while the walk runs cannot take it outside the tree.
public enum Ownership {
    /// chown(2) and chmod(2) of one path, which must not be a symlink.
    public static func set(_ path: String, uid: UInt32, gid: UInt32, mode: UInt32) throws(PosixError) {
        let fd = try Posix.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        defer { Posix.close(fd) }
        try Posix.call("chown", path: path) { fchown(fd, uid, gid) }
        try Posix.call("chmod", path: path) { fchmod(fd, mode_t(mode)) }
    }

    /// Freezes a build after compile: every entry the app's user (`appUID`) owns becomes root's, loses its group and
    /// other write bits and any setuid or setgid bit, so the app may read and execute its build but never write it
    /// (and root never owns a setuid program the app wrote). Entries of other owners are left alone: the app could
    /// only have placed them by hard link, and it cannot write them anyway. Symlinks are re-owned, never followed;
    /// a FIFO, socket or device has no use in a build and is removed, never opened.
    public static func freeze(_ path: String, appUID: UInt32) throws(PosixError) {
        try walk(
            path,
            other: { directory, name, entry in
                guard entry.st_uid == appUID else { return }
                if (entry.st_mode & S_IFMT) == S_IFLNK {
                    _ = name.withCString { fchownat(directory, $0, 0, 0, AT_SYMLINK_NOFOLLOW) }
                } else {
                    _ = name.withCString { unlinkat(directory, $0, 0) }
                }
            },
            opened: { fd, path, info throws(PosixError) in
                guard info.st_uid == appUID || info.st_uid == 0 else { return }
                if info.st_uid != 0 || info.st_gid != 0 {
                    try Posix.call("chown", path: path) { fchown(fd, 0, 0) }
                }
                let mode = info.st_mode & 0o7777 & ~mode_t(0o6022)
                if mode != info.st_mode & 0o7777 { try Posix.call("chmod", path: path) { fchmod(fd, mode) } }
            })
    }

    /// Gives a tree to `uid`:`gid` (an app's `data/` or cache), walking as `freeze` does. Only entries that are not
    /// already the user's are changed.
    public static func give(_ path: String, uid: UInt32, gid: UInt32) throws(PosixError) {
        try walk(
            path,
            other: { directory, name, entry in
                if entry.st_uid != uid || entry.st_gid != gid {
                    _ = name.withCString { fchownat(directory, $0, uid, gid, AT_SYMLINK_NOFOLLOW) }
                }
            },
            opened: { fd, path, info throws(PosixError) in
                if info.st_uid != uid || info.st_gid != gid {
                    try Posix.call("chown", path: path) { fchown(fd, uid, gid) }
                }
            })
    }

    /// Walks the directory `path` depth first through fds: each directory and regular file is opened with
    /// O_NOFOLLOW and handed to `opened` (a directory after its entries), anything else (symlinks, FIFOs, sockets,
    /// devices) is handed by name to `other` with its directory's fd, never opened. An entry gone meanwhile is
    /// skipped.
    private static func walk(
        _ path: String, other: (Int32, String, stat) -> Void,
        opened: (Int32, String, stat) throws(PosixError) -> Void
    ) throws(PosixError) {
        let fd = try Posix.call("open", path: path) {
            sys_open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
        }
        defer { Posix.close(fd) }
        try walkEntry(fd: fd, path: path, other: other, opened: opened)
    }

    private static func walkEntry(
        fd: Int32, path: String, other: (Int32, String, stat) -> Void,
        opened: (Int32, String, stat) throws(PosixError) -> Void
    ) throws(PosixError) {
        var info = stat()
        try Posix.call("stat", path: path) { fstat(fd, &info) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try names(fd, path: path) {
                var entry = stat()
                if (name.withCString { fstatat(fd, $0, &entry, AT_SYMLINK_NOFOLLOW) }) != 0 { continue }
                switch entry.st_mode & S_IFMT {
                case S_IFDIR, S_IFREG:
                    let child = path + "/" + name
                    let childFD = name.withCString { openat(fd, $0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
                    if childFD < 0 { throw PosixError("open", path: child, errno: errno) }
                    defer { Posix.close(childFD) }
                    try walkEntry(fd: childFD, path: child, other: other, opened: opened)
                default:
                    other(fd, name, entry)
                }
            }
        }
        try opened(fd, path, info)
    }

    /// The owner of `path` itself (not followed), nil when it does not exist.
    public static func owner(_ path: String) throws(PosixError) -> (uid: UInt32, gid: UInt32, mode: UInt32)? {
        guard let info = try Posix.lstat(path) else { return nil }
        return (info.uid, info.gid, info.permissions)
    }

    /// The pids of the live (not zombie) processes whose real, effective, saved or filesystem uid is `uid` (from /proc/PID/status).
    public static func processes(of uid: UInt32) -> [Int32] {
        var pids: [Int32] = []
        for name in (try? Posix.listDirectory("/proc")) ?? [] {
            guard let pid = Int32(name), pid > 0 else { continue }
            guard let bytes = try? Posix.readFile("/proc/\(pid)/status") else { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            // A zombie has ended; only its parent's wait is left.
            if text.split(separator: "\n").contains(where: { $0.hasPrefix("State:") && $0.contains("Z") }) { continue }
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { continue }
            if line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().contains(where: { UInt32($0) == uid }
            ) {
                pids.append(pid)
            }
        }
        return pids
    }

    private static func names(_ fd: Int32, path: String) throws(PosixError) -> [String] {
        // fdopendir takes the fd; a duplicate leaves ours to its owner.
        let copy = try Posix.call("dup", path: path) { fcntl(fd, F_DUPFD_CLOEXEC, 0) }
        guard let dir = fdopendir(copy) else {
            Posix.close(copy)
            throw PosixError("list", path: path, errno: errno)
        }
        defer { closedir(dir) }
        return try Posix.names(in: dir, path: path)
    }
}
