/// How people read a time: `2026-12-04 15:58:58 UTC`, the one rule of every human output (`apps info`, `events`,
/// `releases`, `certs`); JSON keeps the API's seconds since the epoch (docs/API.md, Errors).
///
/// Pure arithmetic (the proleptic Gregorian calendar, as `date -u` prints it; the days are BuildStamp's), so that it
/// needs neither libc's `gmtime_r` nor the machine's time zone.
public enum UTCTime {
    /// `2026-12-04 15:58:58 UTC` for seconds since 1970-01-01 00:00:00 UTC.
    public static func text(_ seconds: Int64) -> String {
        let (days, second) = floorDivision(seconds, 86_400)
        let (year, month, day) = BuildStamp.civilFromDays(days)
        return
            "\(year)-\(two(month))-\(two(day)) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) UTC"
    }

    /// `2026-12-04T15:58:58Z` (ISO 8601, as Heroku's `HEROKU_RELEASE_CREATED_AT`), for programs to parse.
    public static func iso8601(_ seconds: Int64) -> String {
        let (days, second) = floorDivision(seconds, 86_400)
        let (year, month, day) = BuildStamp.civilFromDays(days)
        return "\(year)-\(two(month))-\(two(day))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))Z"
    }

    /// `Fri, 04 Dec 2026 15:58:58 GMT`: HTTP's date (RFC 9110 §5.6.7, IMF-fixdate), English names whatever the
    /// machine's locale. Pure, so that the daemon's `Date` header touches no ICU (a DateFormatter loads its locale
    /// and time zone data: megabytes of the daemon's memory, docs/BENCHMARKS.md).
    public static func httpDate(_ seconds: Int64) -> String {
        let (days, second) = floorDivision(seconds, 86_400)
        let (year, month, day) = BuildStamp.civilFromDays(days)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = weekdays[Int(floorDivision(days, 7).1)]
        let clock = "\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
        return "\(weekday), \(two(day)) \(months[Int(month) - 1]) \(year) \(clock) GMT"
    }

    /// `2026-12-04T15:58:58.123Z ` for milliseconds since the epoch: the stamp a shim puts before each log line.
    public static func logStamp(_ milliseconds: Int64) -> String {
        let (seconds, millis) = floorDivision(milliseconds, 1000)
        let text = iso8601(seconds)
        let digits = String(millis)
        return text.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z "
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    private static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
