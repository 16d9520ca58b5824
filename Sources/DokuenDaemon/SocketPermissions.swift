import DokuenPosix

/// The control socket is 0660, group `dokuen` when that group exists (docs/DESIGN.md §2): members of the group may use
/// the CLI, nobody else may.
enum SocketPermissions {
    static let groupName = "dokuen"

    static func restrict(_ path: String) throws {
        try Posix.chmod(path, 0o660)
        if let group = UserEntry.groupID(groupName) { try Posix.chown(path, uid: nil, gid: group) }
    }
}
