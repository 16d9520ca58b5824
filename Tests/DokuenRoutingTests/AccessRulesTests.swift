import DokuenPosix
import TestSupport
import Testing

@testable import DokuenRouting

/// The values `dokuen access` takes, checked strictly and rendered in a form of our own.
@Suite struct AccessRulesTests {
    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0/8"), ("192.168.1.7", "192.168.1.7/32"), ("::1", "0:0:0:0:0:0:0:1/128"),
        ("2001:DB8::/32", "2001:db8:0:0:0:0:0:0/32"), ("::/0", "0:0:0:0:0:0:0:0/0"),
        ("1:2:3:4:5:6:7:8/128", "1:2:3:4:5:6:7:8/128"),
    ])
    func acceptedCIDRsAreCanonical(_ text: String, _ canonical: String) throws {
        #expect(try CIDR(text).description == canonical)
    }

    @Test func hostBitsAreRefusedWithTheNetwork() {
        #expect(
            throws: RoutingError.invalidCIDR(
                "1.2.3.4/24", reason: "it has host bits set below /24; give the network, 1.2.3.0/24")
        ) {
            try CIDR("1.2.3.4/24")
        }
    }

    @Test func aRealSHACryptHashIsAcceptedAndGarbageIsNot() throws {
        let openssl = try #require(which("openssl"))
        let result = try runProgram(openssl, ["passwd", "-6", "-stdin"], stdin: Array("pw\n".utf8))
        let hash = String(result.standardOutput.dropLast())
        #expect(try PasswordHash(hash).rawValue == hash)
        for bad in [
            "", "pw", "$6$", "$6$salt$short", hash + "\n", hash + ":", "$1$abc$def",
            "$2y$10$" + String(repeating: "a", count: 52),
            String(hash.dropLast()) + ";",
        ] where bad != hash {
            #expect(throws: RoutingError.self, "\(bad)") { try PasswordHash(bad) }
        }
        #expect(try PasswordHash("$2y$10$" + String(repeating: "a", count: 53)).rawValue.hasPrefix("$2y$"))
    }
}
