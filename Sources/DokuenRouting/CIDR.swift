/// An IPv4 or IPv6 network for nginx's `allow`, `deny` and `set_real_ip_from`: `192.168.1.0/24`, `10.0.0.7`
/// (a single address, /32), `fd00::/8`, `::1` (/128). Parsed strictly and rendered in a canonical form of its own
/// (IPv4 dotted decimal, IPv6 as eight hexadecimal groups), so nothing a user typed reaches nginx as typed.
///
/// Rules: IPv4 is four decimal numbers 0-255 without leading zeros, prefix 0-32; IPv6 is up to eight groups of 1-4
/// hexadecimal digits with at most one `::` (no embedded IPv4, no zone), prefix 0-128; the prefix is decimal
/// without leading zeros. Host bits below the prefix are kept (nginx ignores them, and warns; `192.168.1.7/24` is
/// refused with the network to give instead, `192.168.1.0/24`).
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let address: [UInt8]
    public let prefixLength: Int

    public var isIPv6: Bool { address.count == 16 }

    public init(_ text: String) throws(RoutingError) {
        func refuse(_ reason: String) -> RoutingError { .invalidCIDR(text, reason: reason) }
        guard !text.isEmpty else { throw refuse("it is empty") }
        guard text.utf8.count <= 50 else { throw refuse("it is longer than 50 characters") }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "0"..."9", "a"..."f", "A"..."F", ".", ":", "/": continue
            default:
                throw refuse(
                    "it contains \(scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F ? "'\(scalar)'" : "a control or non-ASCII character"); an address is IPv4 (192.168.1.0/24) or IPv6 (fd00::/8)"
                )
            }
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw refuse("it has more than one '/'") }
        let host = String(parts[0])
        let bytes: [UInt8]
        if host.contains(":") {
            guard let parsed = Self.ipv6(host) else { throw refuse("\(host) is not an IPv6 address") }
            bytes = parsed
        } else {
            guard let parsed = Self.ipv4(host) else {
                throw refuse("\(host) is not an IPv4 address (four numbers 0-255, as in 192.168.1.0)")
            }
            bytes = parsed
        }
        let bits = bytes.count * 8
        var length = bits
        if parts.count == 2 {
            let prefix = parts[1]
            guard !prefix.isEmpty, prefix.utf8.count <= 3, prefix.allSatisfy(\.isASCII),
                prefix.allSatisfy({ $0.isNumber }), prefix == "0" || !prefix.hasPrefix("0"), let value = Int(prefix),
                value <= bits
            else { throw refuse("the prefix length must be a number from 0 to \(bits)") }
            length = value
        }
        for index in 0..<bits where index >= length {
            if bytes[index / 8] & (0x80 >> UInt8(index % 8)) != 0 {
                var network = bytes
                for bit in length..<bits { network[bit / 8] &= ~(0x80 >> UInt8(bit % 8)) }
                throw refuse(
                    "it has host bits set below /\(length); give the network, "
                        + "\(Self.render(network))/\(length)")
            }
        }
        address = bytes
        prefixLength = length
    }

    public var description: String { "\(Self.render(address))/\(prefixLength)" }

    static func render(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.utf8.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || !part.hasPrefix("0"), let value = Int(part), value <= 255
            else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    static func ipv6(_ text: String) -> [UInt8]? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.utf8.count), let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7, !halves[1].hasPrefix(":") else {
                return nil
            }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
