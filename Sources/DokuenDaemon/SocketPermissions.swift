import DokuenPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The control socket is 0660, group `dokuen` when that group exists (DESIGN.md §2): members of the group may use
/// the CLI, nobody else may.
enum SocketPermissions {
    static let groupName = "dokuen"

    static func restrict(_ path: String) throws {
        try Posix.chmod(path, 0o660)
        if let group = getgrnam(groupName) {
            if chown(path, uid_t.max, group.pointee.gr_gid) != 0 {
                throw PosixError("chown", path: path, errno: errno)
            }
        }
    }
}
