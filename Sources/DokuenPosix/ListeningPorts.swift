/// A TCP socket in the LISTEN state, as /proc/net/tcp and /proc/net/tcp6 show it: its port and its socket inode,
/// which names it in the holders' `/proc/PID/fd` (`socket:[INODE]`).
public struct TCPListener: Equatable, Sendable {
    public let port: Int
    public let inode: UInt64

    public init(port: Int, inode: UInt64) {
        self.port = port
        self.inode = inode
    }

    /// The listeners of one /proc/net/tcp or tcp6 table. Each row is "sl local_address rem_address st tx:rx tr:when
    /// retrnsmt uid timeout inode …", addresses as HEXIP:HEXPORT, st 0A = LISTEN (proc(5)).
    public static func parse(table text: String) -> [TCPListener] {
        var listeners: [TCPListener] = []
        for row in text.split(separator: "\n").dropFirst() {
            let fields = row.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, fields[3] == "0A", let colon = fields[1].lastIndex(of: ":"),
                let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16), let inode = UInt64(fields[9])
            else { continue }
            listeners.append(TCPListener(port: port, inode: inode))
        }
        return listeners
    }
}

/// A process that holds a socket: its pid, its name (`/proc/PID/comm`, "?" when it is gone) and the systemd service
/// it runs in, if any, so a message can say how to stop it.
public struct SocketHolder: Equatable, Sendable, CustomStringConvertible {
    public let pid: Int32
    public let name: String
    public let service: String?

    public init(pid: Int32, name: String, service: String? = nil) {
        self.pid = pid
        self.name = name
        self.service = service
    }

    public var description: String { "pid \(pid) (\(name)" + (service.map { ", \($0)" } ?? "") + ")" }

    /// The system service a process runs in, from its `/proc/PID/cgroup` (cgroups(7)): the last path component
    /// ending in `.service` under `system.slice` ("0::/system.slice/apache2.service" → apache2.service); nil for a
    /// process outside one (a login session, a user's manager, a container's root).
    public static func service(cgroup text: String) -> String? {
        for line in text.split(separator: "\n") {
            guard let path = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).last,
                path.hasPrefix("/system.slice/")
            else { continue }
            if let unit = path.split(separator: "/").last(where: { $0.hasSuffix(".service") }) { return String(unit) }
        }
        return nil
    }
}

extension Posix {
    /// The TCP ports something on this machine listens on (any address, IPv4 or IPv6), from /proc/net/tcp and
    /// /proc/net/tcp6. Port leasing skips them, so an app is never handed a port another program holds. Empty
    /// where /proc is missing.
    public static func listeningTCPPorts() -> Set<Int> { Set(tcpListeners().map(\.port)) }

    /// Every listening TCP socket of this network namespace, IPv4 and IPv6; empty where /proc is missing.
    public static func tcpListeners() -> [TCPListener] {
        ["/proc/net/tcp", "/proc/net/tcp6"].flatMap { table in
            (try? readFile(table)).map { TCPListener.parse(table: String(decoding: $0, as: UTF8.self)) } ?? []
        }
    }

    /// The processes that listen on `port`, found as ss(8) finds them: the socket's inode from /proc/net/tcp*, then
    /// every `/proc/PID/fd/N` that links to `socket:[INODE]`. Processes whose fds this user may not read are
    /// missed (root reads all), so the list may be empty while the port is taken.
    public static func holders(ofPort port: Int) -> [SocketHolder] {
        let sockets = Set(tcpListeners().filter { $0.port == port }.map { "socket:[\($0.inode)]" })
        guard !sockets.isEmpty, let entries = try? listDirectory("/proc") else { return [] }
        var holders: [SocketHolder] = []
        for entry in entries {
            guard let pid = Int32(entry), let fds = try? listDirectory("/proc/\(entry)/fd") else { continue }
            if fds.contains(where: { (try? readlink("/proc/\(entry)/fd/\($0)")).map(sockets.contains) ?? false }) {
                let cgroup = (try? readFile("/proc/\(entry)/cgroup")).map { String(decoding: $0, as: UTF8.self) }
                holders.append(
                    SocketHolder(
                        pid: pid, name: processName(pid) ?? "?", service: cgroup.flatMap(SocketHolder.service(cgroup:)))
                )
            }
        }
        return holders
    }

    /// A process's command name (`/proc/PID/comm`, at most 15 bytes), nil when it is gone.
    public static func processName(_ pid: Int32) -> String? {
        guard let bytes = try? readFile("/proc/\(pid)/comm") else { return nil }
        var name = String(decoding: bytes, as: UTF8.self)
        while name.hasSuffix("\n") { name.removeLast() }
        return name
    }
}
