/// A TCP port nginx listens on or proxies to: 1 to 65535.
public struct Port: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int

    public init(_ value: Int) throws(RoutingError) {
        guard (1...65_535).contains(value) else { throw .invalidPort(value, reason: "a port is 1 to 65535") }
        rawValue = value
    }

    public var description: String { String(rawValue) }

    public static func < (lhs: Port, rhs: Port) -> Bool { lhs.rawValue < rhs.rawValue }
}
