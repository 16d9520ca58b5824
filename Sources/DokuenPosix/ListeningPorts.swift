#if canImport(Glibc)
    import Glibc
#endif

extension Posix {
    /// The TCP ports something on this machine listens on (any address, IPv4 or IPv6), from /proc/net/tcp and
    /// /proc/net/tcp6. Port leasing skips them, so an app is never handed a port another program holds. Empty
    /// where /proc is missing.
    public static func listeningTCPPorts() -> Set<Int> {
        var ports: Set<Int> = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let bytes = try? readFile(table) else { continue }
            // Each row: "sl local_address rem_address st …", addresses as HEXIP:HEXPORT, st 0A = LISTEN.
            for row in String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
                let fields = row.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 3, fields[3] == "0A", let colon = fields[1].lastIndex(of: ":"),
                    let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16)
                else { continue }
                ports.insert(port)
            }
        }
        return ports
    }
}
