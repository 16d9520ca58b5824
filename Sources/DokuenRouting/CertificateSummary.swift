/// What `dokuen certs APP` shows of an installed certificate, read from the output of
/// `openssl x509 -noout -subject -issuer -enddate -nameopt RFC2253`:
///
/// ```
/// subject=CN=blog.localhost
/// issuer=CN=blog.localhost
/// notAfter=Nov 24 10:30:02 2026 GMT
/// ```
///
/// The date is parsed here rather than with `-dateopt iso_8601`, which OpenSSL 1.1 and LibreSSL lack; OpenSSL prints
/// ASN1_TIME in this one format, always in GMT (ASN1_TIME_print(3)).
public struct CertificateSummary: Hashable, Sendable {
    /// RFC 2253 distinguished names, as openssl escapes them (non-ASCII as `\C3\BC`).
    public let subject: String
    public let issuer: String
    /// The end of validity, unix seconds.
    public let notAfter: Int64

    public init(subject: String, issuer: String, notAfter: Int64) {
        self.subject = subject
        self.issuer = issuer
        self.notAfter = notAfter
    }

    /// nil unless all three lines are there and the date parses.
    public init?(opensslOutput: String) {
        var subject: String?
        var issuer: String?
        var notAfter: Int64?
        for line in opensslOutput.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("subject=") {
                subject = Self.trimmed(line.dropFirst(8))
            } else if line.hasPrefix("issuer=") {
                issuer = Self.trimmed(line.dropFirst(7))
            } else if line.hasPrefix("notAfter=") {
                notAfter = Self.unixSeconds(opensslDate: String(line.dropFirst(9)))
            }
        }
        guard let subject, let issuer, let notAfter else { return nil }
        self.init(subject: subject, issuer: issuer, notAfter: notAfter)
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop(while: { $0 == " " }))
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Nov 24 10:30:02 2026 GMT` (the day padded with a space) as unix seconds; nil for anything else.
    static func unixSeconds(opensslDate text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 5, parts[4] == "GMT", let month = months.firstIndex(of: String(parts[0])),
            let day = Int64(parts[1]), (1...31).contains(day), let year = Int64(parts[3]), (1950...9999).contains(year)
        else { return nil }
        let clock = parts[2].split(separator: ":")
        guard clock.count == 3, let hour = Int64(clock[0]), let minute = Int64(clock[1]),
            let second = Int64(clock[2]), (0..<24).contains(hour), (0..<60).contains(minute), (0...60).contains(second)
        else { return nil }
        return daysSinceEpoch(year: year, month: Int64(month) + 1, day: day) * 86_400 + hour * 3_600 + minute * 60
            + second
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
