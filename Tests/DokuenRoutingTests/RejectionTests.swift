import DokuenCore
import Testing

@testable import DokuenRouting

/// Nothing a user types reaches a config unchecked: every injection attempt is refused with a one-line error,
/// and Golden/rejections.txt pins each verdict (an accepted value shows what it was normalized to).
@Suite struct RejectionTests {
    static let label63 = String(repeating: "a", count: 63)

    static let hostnames = [
        "a;b.example", "a{b.example", "a}b.example", "a\nb.example", "a\rb.example", "a b.example", "a\tb.example",
        "$host", "a\"b.example", "a'b.example", "a\\b.example", "a\0b.example", "a#b.example", "a/b.example",
        "bücher.example", "ｅxample.com", "example\u{212A}.com", "*.example.com", "_dmarc.example.com", "127.0.0.1",
        "[::1]", "::1", "example.com:80", "example.com.", ".example.com", "a..example", "-a.example",
        "a-.example", "", "123", label63 + "a.example", [label63, label63, label63, label63].joined(separator: "."),
        // Accepted:
        "EXAMPLE.com", "xn--bcher-kva.example", "localhost", "a-b.c-d.example", "0day.example",
        label63 + ".example",
    ]

    static let paths = [
        "relative/path", "", "/a;b", "/a b", "/a\nb", "/a{b", "/a}b", "/$document_root", "/a\"b", "/a'b",
        "/a\\b", "/a\0b", "/é", "/a#b", "/a/../b", "/a//b", "/a/./b", "/a/..",
        // Accepted:
        "/", "/var/lib/dokuen/acme/", "/srv/app_1/web.1@v3/public-html+x",
    ]

    static let bodySizes = [
        "", "m", "1 m", "100m;", "1t", "-1", "1234567890", "1.5m", "10M ", "$x",
        // Accepted:
        "0", "100m", "10M", "512k", "1g",
    ]

    static let ports = [0, -1, 65_536, 80, 65_535]

    static let cidrs = [
        "", "10.0.0.0/33", "10.0.0.256", "10.0.0", "10.0.0.0.0", "010.0.0.1", "10.0.0.1/", "10.0.0.1/08",
        "10.0.0.1/-1", "10.0.0.0/8;", "10.0.0.0/8 ", "10.0.0.0/8\n", "all", "1.2.3.4/24", "::1/129", ":::1",
        "1::2::3", "fe80::1%eth0", "12345::", "1:2:3:4:5:6:7:8:9", "::ffff:1.2.3.4", "[::1]", "10.0.0.0/8/8",
        "$remote_addr", "unix:",
        // Accepted:
        "10.0.0.0/8", "192.168.1.7", "0.0.0.0/0", "::1", "fd00::/8", "2001:DB8::/32", "::/0", "1:2:3:4:5:6:7:8/128",
    ]

    static let users = [
        "", "a:b", "a b", "a\tb", "a\nb", "a\"b", "a'b", "a\\b", "é", String(repeating: "u", count: 65),
        // Accepted:
        "alice", "bob.smith@example.com", String(repeating: "u", count: 64),
    ]

    static let upstreams = [
        "file:///etc/passwd", "http://[::1", "http://a\"b", "http://a b", "http://a;b", "http://a\nb", "http://a{b}",
        "http://$host", "http://host/p;x", "http://host/p x", "http://host/p'x", "http://host/p{x}", "http://host/$x",
        "http://host/p?q=1", "http://host/p#f", "http://user@host", "http://host:0", "http://host:65536",
        "http://host:080", "http://host:", "http://::1/", "ftp://host", "HTTP://host", "http://", "http:///x",
        "http://1.2.3.256", "http://[fe80::1%eth0]", "http://[::1]x", "//host", "http://host\\x",
        // Accepted:
        "http://192.168.1.10:8080", "https://NAS.example.com/ui/", "http://[FD00::10]:8080/x", "http://127.0.0.1",
    ]

    static func verdict<T>(_ input: String, _ make: () throws(RoutingError) -> T) -> String {
        do {
            return "\(Quoting.quoted(input)) -> accepted as \(try make())"
        } catch {
            return "\(Quoting.quoted(input)) -> \(error)"
        }
    }

    static func verdicts() -> String {
        var lines =
            ["# hostnames"] + hostnames.map { text in verdict(text) { () throws(RoutingError) in try Hostname(text) } }
        lines +=
            ["", "# paths"] + paths.map { text in verdict(text) { () throws(RoutingError) in try ConfigPath(text) } }
        lines +=
            ["", "# client_max_body_size"]
            + bodySizes.map { text in verdict(text) { () throws(RoutingError) in try BodySize(text) } }
        lines +=
            ["", "# ports"] + ports.map { port in verdict(String(port)) { () throws(RoutingError) in try Port(port) } }
        lines += ["", "# CIDRs"] + cidrs.map { text in verdict(text) { () throws(RoutingError) in try CIDR(text) } }
        lines +=
            ["", "# proxy upstream URLs"]
            + upstreams.map { text in verdict(text) { () throws(RoutingError) in try UpstreamURL(text) } }
        lines +=
            ["", "# basic-auth users"]
            + users.map { text in verdict(text) { () throws(RoutingError) in try BasicAuthUser(text) } }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func everyVerdictMatchesItsGolden() throws {
        try GoldenFile(name: "rejections.txt").check(Self.verdicts())
    }

    /// Each error is one line, and the characters that could break nginx's syntax appear only escaped inside it.
    @Test func everyErrorIsOneLine() {
        for line in Self.verdicts().split(separator: "\n") {
            #expect(line.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F })
        }
    }

    @Test(arguments: hostnames.prefix(32))
    func refusedHostnames(_ text: String) {
        #expect(throws: RoutingError.self) { try Hostname(text) }
    }

    @Test(arguments: [
        ("EXAMPLE.com", "example.com"), ("xn--bcher-kva.example", "xn--bcher-kva.example"), ("localhost", "localhost"),
    ])
    func acceptedHostnames(_ text: String, _ normalized: String) throws {
        #expect(try Hostname(text).rawValue == normalized)
    }
}
