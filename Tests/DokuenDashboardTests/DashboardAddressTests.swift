import Testing

@testable import DokuenDashboard

/// `dokuend --dashboard HOST:PORT`: what is taken, what is refused and why.
@Suite struct DashboardAddressTests {
    @Test(arguments: [
        ("127.0.0.1:8081", "127.0.0.1", 8081, true), ("localhost:1", "127.0.0.1", 1, true),
        ("0.0.0.0:65535", "0.0.0.0", 65535, false), ("[::1]:8081", "::1", 8081, true),
        ("192.168.1.20:80", "192.168.1.20", 80, false), ("[fe80::1]:9", "fe80::1", 9, false),
    ])
    func takes(_ text: String, _ host: String, _ port: Int, _ loopback: Bool) throws {
        let address = try DashboardAddress(text)
        #expect(address.host == host && address.port == port && address.isLoopback == loopback)
    }

    @Test(arguments: [
        ("8081", "it is HOST:PORT"), ("example.com:80", "not a name to look up"), ("127.0.0.1:0", "1 to 65535"),
        ("127.0.0.1:65536", "1 to 65535"), ("127.0.0.1:", "1 to 65535"), ("127.0.0.1:+80", "1 to 65535"),
        ("127.0.0.01:80", "IP address"), ("256.0.0.1:80", "IP address"), ("[::1:80", "[ADDRESS]:PORT"),
        ("[zz::1]:80", "not an IPv6 address"), ("::1:80", "IP address"), ("", "HOST:PORT"),
    ])
    func refuses(_ text: String, _ reason: String) {
        #expect {
            _ = try DashboardAddress(text)
        } throws: { error in
            let line = "\(error)"
            return line.hasPrefix("invalid --dashboard \"\(text)\": ") && line.contains(reason)
        }
    }
}
