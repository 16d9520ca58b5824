/// nginx's `client_max_body_size`: a number with an optional `k`, `m` or `g` suffix (nginx's size syntax,
/// ngx_parse_offset). `0` lets any size through. An uppercase suffix is lowered; anything else is refused.
public struct BodySize: Hashable, Sendable, CustomStringConvertible {
    /// What Dokuen sets when nobody says otherwise; nginx's own default of 1m is too small for uploads.
    public static let standard = BodySize(uncheckedNumber: "100", suffix: "m")

    public let rawValue: String

    public init(_ text: String) throws(RoutingError) {
        func refuse(_ reason: String) -> RoutingError { .invalidBodySize(text, reason: reason) }
        var digits = Substring(text)
        var suffix = ""
        if let last = text.unicodeScalars.last, "kKmMgG".unicodeScalars.contains(last) {
            suffix = String(last).lowercased()
            digits = digits.dropLast()
        }
        if digits.isEmpty { throw refuse("it has no number; write e.g. 100m, 512k or 0 (no limit)") }
        guard digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw refuse("it is not a number with an optional k, m or g suffix (e.g. 100m)")
        }
        // nginx keeps sizes in an off_t; nine digits stay far from overflow with any suffix.
        if digits.count > 9 { throw refuse("the number has more than 9 digits") }
        self.init(uncheckedNumber: String(digits), suffix: suffix)
    }

    private init(uncheckedNumber: String, suffix: String) { rawValue = uncheckedNumber + suffix }

    public var description: String { rawValue }
}
