/// The name of a build directory, `releases/<stamp>/`: a UTC time with microseconds,
/// `YYYYMMDDTHHMMSS.uuuuuuZ` (e.g. `20261122T052103.004211Z`). The width is fixed, so names sort by time
/// as plain strings, in `ls` as in SQL. The creator makes the directory exclusively and, if a name is taken,
/// uses `successor`.
public struct BuildStamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public let microseconds: Int64

    /// Years 1970 to 9999 keep the fixed width.
    public static let validRange: ClosedRange<Int64> = 0...253_402_300_799_999_999

    public init(microsecondsSinceEpoch: Int64) throws(CoreError) {
        guard Self.validRange.contains(microsecondsSinceEpoch) else {
            throw .invalidBuildStamp(String(microsecondsSinceEpoch), reason: "the time is outside 1970–9999")
        }
        microseconds = microsecondsSinceEpoch
    }

    /// Parses a directory name written by `description`.
    public init(_ text: String) throws(CoreError) {
        let b = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for i in range {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int64(b[i] - 48)
            }
            return value
        }
        guard b.count == 23, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "."), b[22] == UInt8(ascii: "Z"),
            let year = digits(0..<4), let month = digits(4..<6), let day = digits(6..<8),
            let hour = digits(9..<11), let minute = digits(11..<13), let second = digits(13..<15),
            let micros = digits(16..<22)
        else { throw .invalidBuildStamp(text, reason: "expected YYYYMMDDTHHMMSS.uuuuuuZ") }
        guard year >= 1970, (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { throw .invalidBuildStamp(text, reason: "it is not a real date and time") }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        microseconds = ((days * 86_400 + hour * 3_600 + minute * 60 + second) * 1_000_000) + micros
    }

    public var description: String {
        let seconds = microseconds / 1_000_000
        let (year, month, day) = Self.civilFromDays(seconds / 86_400)
        let secondOfDay = seconds % 86_400
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + "T" + pad(secondOfDay / 3_600, 2)
            + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "." + pad(microseconds % 1_000_000, 6) + "Z"
    }

    /// The next possible stamp, for when a directory of this name already exists.
    public var successor: BuildStamp { BuildStamp(unchecked: microseconds + 1) }

    public static func < (lhs: BuildStamp, rhs: BuildStamp) -> Bool { lhs.microseconds < rhs.microseconds }

    private init(unchecked microseconds: Int64) { self.microseconds = microseconds }

    // Howard Hinnant's days_from_civil / civil_from_days (http://howardhinnant.github.io/date_algorithms.html).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

private func pad(_ value: Int64, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
