/// A cron job's schedule, as app.json's `cron` entries write it (docs/CRON.md): five fields (minute, hour, day of
/// month, month, day of week) with `*`, ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`, month and day names
/// (`jan`, `mon`), and the nicknames `@hourly`, `@daily` (`@midnight`), `@weekly`, `@monthly`, `@yearly`
/// (`@annually`) and `@reboot`.
///
/// The rules are Vixie cron's (crontab(5)): when both day fields are restricted a day matches if either does; day of
/// week 7 is Sunday like 0. `nextFire(after:in:)` is pure: the zone is a function from an instant to its UTC offset,
/// so the table test can check it against a reference (croniter) across DST changes:
/// - a local time skipped by a spring-forward change fires once, at the first instant after the gap (croniter's rule);
/// - a local time repeated by a fall-back change fires once, at its first occurrence, unless the hour field starts
///   with `*` (`*`, `*/2`): such a job is about elapsed time and fires in both occurrences (Vixie cron's rule).
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    /// The expression as written, for `cron list` and logs.
    public let text: String
    /// `@reboot`: no calendar time, only dokuend's start (docs/CRON.md).
    public let isReboot: Bool
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    let daysOfWeek: UInt64
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    let hourIsElapsed: Bool

    public var description: String { text }

    /// Parses an expression; throws `CoreError.invalidCronSchedule` naming the field and what is wrong with it.
    public init(_ text: String) throws(CoreError) {
        self.text = text
        var fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        isReboot = fields == ["@reboot"]
        if isReboot { fields = ["0", "0", "1", "1", "*"] }  // never used for a calendar time
        if fields.count == 1, let nickname = fields.first, nickname.hasPrefix("@") {
            guard let expansion = Self.nicknames[nickname.lowercased()] else {
                throw .invalidCronSchedule(
                    text,
                    reason: "unknown nickname \(nickname) (use @hourly, @daily, @weekly, @monthly, @yearly or @reboot)")
            }
            fields = expansion.split(separator: " ").map(String.init)
        }
        guard fields.count == 5 else {
            throw .invalidCronSchedule(
                text, reason: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        func field(_ index: Int, _ name: String, _ range: ClosedRange<Int>, _ names: [String]) throws(CoreError)
            -> UInt64
        {
            do {
                return try Self.parseField(fields[index], range: range, names: names)
            } catch {
                throw .invalidCronSchedule(
                    text, reason: "\(name) field \(Quoting.quoted(fields[index])): \(error.reason)")
            }
        }
        minutes = try field(0, "minute", 0...59, [])
        hours = try field(1, "hour", 0...23, [])
        daysOfMonth = try field(2, "day-of-month", 1...31, [])
        months = try field(3, "month", 1...12, Self.monthNames)
        var week = try field(4, "day-of-week", 0...7, Self.dayNames)
        if week & (1 << 7) != 0 { week = (week | 1) & ~(1 << 7) }
        daysOfWeek = week
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
        hourIsElapsed = fields[1].hasPrefix("*")
    }

    /// The first instant strictly after `after` (seconds since the epoch) at which the job is due in `zone`, or nil
    /// for `@reboot` and for a schedule no date within 28 years matches (`0 0 30 2 *`).
    public func nextFire(after: Int64, in zone: some CronZone) -> Int64? {
        if isReboot { return nil }
        // Local wall-clock candidates are enumerated in order; around a DST change their instants are not in order,
        // so after the first candidate later than `after`, the next few hours of candidates are looked at too (no
        // zone shifts by more than 3 hours at once) and the earliest instant wins.
        let window: Int64 = 3 * 3600
        var local = (after + Int64(zone.utcOffset(at: after))) / 60 * 60 - window - 60
        var best: Int64?
        var bestLocal: Int64 = 0
        while let candidate = nextLocalMinute(after: local) {
            local = candidate
            if best != nil, candidate > bestLocal + window { break }
            for instant in instants(ofLocal: candidate, in: zone) where instant > after {
                if best == nil || instant < best! {
                    if best == nil { bestLocal = candidate }
                    best = instant
                }
            }
        }
        return best
    }

    /// The first local minute (seconds of a wall clock read as if it were UTC) strictly after `local` that matches,
    /// within 28 years (every weekday and leap-day combination repeats in that time).
    func nextLocalMinute(after local: Int64) -> Int64? {
        let start = Self.floorDivision(local, 60) + 1
        var day = Self.floorDivision(start, 1440)
        var minuteOfDay = Int(start - day * 1440)
        let lastDay = day + 366 * 28
        while day <= lastDay {
            if matchesDay(day) {
                var hour = minuteOfDay / 60
                var minute = minuteOfDay % 60
                while hour < 24 {
                    if hours & (1 << UInt64(hour)) != 0 {
                        while minute < 60 {
                            if minutes & (1 << UInt64(minute)) != 0 {
                                return (day * 1440 + Int64(hour * 60 + minute)) * 60
                            }
                            minute += 1
                        }
                    }
                    hour += 1
                    minute = 0
                }
            }
            day += 1
            minuteOfDay = 0
        }
        return nil
    }

    func matchesDay(_ day: Int64) -> Bool {
        let (_, month, dayOfMonth) = BuildStamp.civilFromDays(day)
        guard months & (1 << UInt64(month)) != 0 else { return false }
        // 1970-01-01 was a Thursday (4).
        let weekday = UInt64(((day % 7) + 7 + 4) % 7)
        let domMatch = daysOfMonth & (1 << UInt64(dayOfMonth)) != 0
        let dowMatch = daysOfWeek & (1 << weekday) != 0
        if dayOfMonthRestricted && dayOfWeekRestricted { return domMatch || dowMatch }
        return domMatch && dowMatch
    }

    /// The instants at which a local wall-clock minute happens: one; none in a spring-forward gap (then the first
    /// instant after the gap); two in a fall-back overlap (both only for an elapsed-time hour field).
    func instants(ofLocal local: Int64, in zone: some CronZone) -> [Int64] {
        let before = Int64(zone.utcOffset(at: local - 14 * 3600))
        let after = Int64(zone.utcOffset(at: local + 12 * 3600))
        var found: [Int64] = []
        for offset in Set([before, after]).sorted(by: >) where Int64(zone.utcOffset(at: local - offset)) == offset {
            found.append(local - offset)
        }
        found.sort()
        if found.isEmpty {
            // In a gap: local - before is past the change, local - after is before it; find the change's instant.
            var low = local - max(before, after)
            var high = local - min(before, after)
            let lowOffset = zone.utcOffset(at: low)
            while high - low > 1 {
                let middle = low + (high - low) / 2
                if zone.utcOffset(at: middle) == lowOffset { low = middle } else { high = middle }
            }
            return [high]
        }
        return hourIsElapsed ? found : [found[0]]
    }

    // MARK: Parsing

    struct FieldError: Error { let reason: String }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let nicknames = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    static func parseField(_ text: String, range: ClosedRange<Int>, names: [String]) throws(FieldError) -> UInt64 {
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw FieldError(reason: "more than one step in \(Quoting.quoted(String(item)))")
            }
            var step = 1
            if parts.count == 2 {
                guard let value = Int(parts[1]), value >= 1, value <= range.upperBound + 1 else {
                    throw FieldError(
                        reason:
                            "step \(Quoting.quoted(String(parts[1]))) is not a number from 1 to \(range.upperBound + 1)"
                    )
                }
                step = value
            }
            let base = parts[0]
            var low: Int
            var high: Int
            if base == "*" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, !base.isEmpty else {
                    throw FieldError(reason: "\(Quoting.quoted(String(base))) is not a value, a range or *")
                }
                low = try value(String(bounds[0]), range: range, names: names)
                high = bounds.count == 2 ? try value(String(bounds[1]), range: range, names: names) : low
                if bounds.count == 1 && parts.count == 2 { high = range.upperBound }  // `5/15` means 5-59/15
                guard low <= high else { throw FieldError(reason: "range \(base) runs backwards") }
            }
            var current = low
            while current <= high {
                bits |= 1 << UInt64(current)
                current += step
            }
        }
        return bits
    }

    static func value(_ text: String, range: ClosedRange<Int>, names: [String]) throws(FieldError) -> Int {
        if let index = names.firstIndex(of: text.lowercased()) { return index + (range.lowerBound == 1 ? 1 : 0) }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text),
            range.contains(number)
        else {
            throw FieldError(
                reason: "\(Quoting.quoted(text)) is not \(names.isEmpty ? "a number" : "a number or a name") from "
                    + "\(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    static func floorDivision(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}

/// A time zone as cron needs it: the offset from UTC, in seconds, in effect at an instant (seconds since the epoch).
/// DokuenCore has no Foundation; dokuend gives one backed by Foundation's `TimeZone`.
public protocol CronZone {
    func utcOffset(at instant: Int64) -> Int
}
