/// How people read a time: `2026-12-04 15:58:58 UTC`, the one rule of every human output (`apps info`, `events`,
/// `releases`, `certs`); JSON keeps the API's seconds since the epoch (docs/API.md, Errors and times).
///
/// Pure arithmetic (the proleptic Gregorian calendar, as `date -u` prints it), so that it needs neither libc's
/// `gmtime_r` nor the machine's time zone.
public enum UTCTime {
    /// `2026-12-04 15:58:58 UTC` for seconds since 1970-01-01 00:00:00 UTC.
    public static func text(_ seconds: Int64) -> String {
        let (days, second) = floorDivision(seconds, 86_400)
        let (year, month, day) = civil(days)
        return
            "\(year)-\(two(month))-\(two(day)) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) UTC"
    }

    /// The year, month and day of a count of days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let (era, _) = floorDivision(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    private static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
