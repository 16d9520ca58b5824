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
}
