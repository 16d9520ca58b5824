#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One entry of the user database (passwd(5)), as getpwnam_r(3) and getpwuid_r(3) read it.
public struct UserEntry: Equatable, Sendable {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32
    /// The GECOS field: dokuend marks the users it makes for apps here (`AppUser.comment`).
    public let comment: String
    public let home: String

    /// The entry named `name`, nil when there is none.
    public static func named(_ name: String) -> UserEntry? {
        lookup { entry, buffer, result in getpwnam_r(name, &entry, buffer, 16_384, &result) }
    }

    /// The entry of `uid`, nil when there is none.
    public static func withID(_ uid: UInt32) -> UserEntry? {
        lookup { entry, buffer, result in getpwuid_r(uid, &entry, buffer, 16_384, &result) }
    }

    /// The gid of the group named `name`, nil when there is none.
    public static func groupID(_ name: String) -> UInt32? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }

    /// The groups `self` belongs to: its primary group and every supplementary one (getgrouplist(3)).
    public var groups: [UInt32] {
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        while getgrouplist(name, gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count) + 64)
            count = Int32(groups.count)
        }
        return Array(groups.prefix(Int(count)))
    }

    private static func lookup(
        _ call: (inout passwd, UnsafeMutablePointer<CChar>, inout UnsafeMutablePointer<passwd>?) -> Int32
    ) -> UserEntry? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let code = buffer.withUnsafeMutableBufferPointer { call(&entry, $0.baseAddress!, &result) }
        guard code == 0, result != nil, let name = entry.pw_name else { return nil }
        return UserEntry(
            name: String(cString: name), uid: entry.pw_uid, gid: entry.pw_gid,
            comment: entry.pw_gecos.map { String(cString: $0) } ?? "",
            home: entry.pw_dir.map { String(cString: $0) } ?? "")
    }
}
