import Testing

@testable import DokuenPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Port leasing skips ports that other programs listen on; /proc/net/tcp is where they are found.
@Suite(.timeLimit(.minutes(1))) struct ListeningPortsTests {
    @Test func aListeningSocketIsSeenAndGoesAwayWhenClosed() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        #expect(Posix.listeningTCPPorts().contains(port))
        // `dokuen setup` names who holds port 80: this process holds this one.
        #expect(Posix.holders(ofPort: port).contains { $0.pid == getpid() && $0.name == Posix.processName(getpid()) })
        close(fd)
        // Another test's child, cloned while the socket was open, holds a copy of it until it execs or closes its
        // fds (CLOEXEC acts only at exec): wait a bounded while for the last copy to go.
        var gone = false
        for _ in 0..<200 where !gone {
            gone = !Posix.listeningTCPPorts().contains(port)
            if !gone { usleep(10_000) }
        }
        #expect(gone)
    }

    /// Rows of proc(5)'s table: only LISTEN (0A) rows count, IPv6 addresses too, and the inode is the tenth field.
    @Test func theTableGivesListenersWithTheirInodes() {
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:5DC0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 22697626 1 0 100 0
               1: 0100007F:0050 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0
               2: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 \
            00:00000000 00000000 0 0 777 1 0 100 0
               3: garbage
            """
        #expect(
            TCPListener.parse(table: table) == [
                TCPListener(port: 0x5DC0, inode: 22_697_626), TCPListener(port: 80, inode: 777),
            ])
        #expect(TCPListener.parse(table: "") == [])
    }

    @Test func aPortNobodyHoldsHasNoHolders() {
        #expect(Posix.holders(ofPort: 0).isEmpty)
        #expect(Posix.processName(getpid()) != nil)
    }

    /// A service is named as systemctl knows it; a process in a session or a container's root is in none.
    @Test func theServiceComesFromTheCgroup() {
        #expect(SocketHolder.service(cgroup: "0::/system.slice/apache2.service\n") == "apache2.service")
        #expect(
            SocketHolder.service(cgroup: "12:pids:/system.slice/lighttpd.service\n0::/system.slice/lighttpd.service\n")
                == "lighttpd.service")
        #expect(SocketHolder.service(cgroup: "0::/user.slice/user-1000.slice/session-3.scope\n") == nil)
        #expect(SocketHolder.service(cgroup: "0::/\n") == nil)
        #expect(
            SocketHolder(pid: 7, name: "apache2", service: "apache2.service").description
                == "pid 7 (apache2, apache2.service)")
        #expect(SocketHolder(pid: 8, name: "python3").description == "pid 8 (python3)")
    }
}
