/// Which snapshots `dokuen backup forget` keeps (docs/BACKUP.md, Retention), with restic's semantics
/// (restic's `internal/restic/snapshot_policy.go`, `forget --keep-*`): the snapshots are taken newest first; each
/// rule with a count left looks at the snapshot's bucket (its own for `last`, its calendar day, ISO week or month)
/// and keeps it when the bucket differs from the last one the rule kept, counting one down. So `daily 7` keeps the
/// newest snapshot of each of the last 7 days that have one, and a snapshot kept by any rule is kept.
///
/// Buckets are calendar dates in the offset the snapshot's time was written with (restic writes the local time of
/// the machine that took it, `2026-01-01T03:00:00+01:00`), exactly as restic reads them: no zone conversion. The
/// order is by the instant, offset applied. Pure: the daemon runs `restic forget` with the same flags and compares.
public struct RetentionPolicy: Sendable, Equatable {
    public var last: Int
    public var daily: Int
    public var weekly: Int
    public var monthly: Int

    public init(last: Int = 0, daily: Int = 0, weekly: Int = 0, monthly: Int = 0) {
        self.last = last
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
    }

    /// Whether any rule keeps anything: a policy that keeps nothing is refused (restic would forget nothing either).
    public var isEmpty: Bool { last == 0 && daily == 0 && weekly == 0 && monthly == 0 }

    /// The flags for `restic forget` (and for the text of a schedule), only the rules that count.
    public var resticFlags: [String] {
        [("--keep-last", last), ("--keep-daily", daily), ("--keep-weekly", weekly), ("--keep-monthly", monthly)]
            .filter { $0.1 > 0 }.flatMap { [$0.0, String($0.1)] }
    }

    /// One snapshot: its id and its time as restic writes it (RFC 3339 with an offset).
    public struct Snapshot: Sendable, Equatable {
        public let id: String
        public let time: String
        public init(id: String, time: String) {
            self.id = id
            self.time = time
        }
    }

    /// The ids of `snapshots` that the policy keeps. A time that cannot be read throws (the snapshot list came from
    /// restic, so it is a bug to report, not a snapshot to drop).
    public func kept(_ snapshots: [Snapshot]) throws(CoreError) -> Set<String> {
        var dated: [(id: String, time: SnapshotTime, order: Int)] = []
        for (order, snapshot) in snapshots.enumerated() {
            dated.append((snapshot.id, try SnapshotTime(snapshot.time), order))
        }
        // Newest first; equal instants keep their given order (restic's stable sort).
        dated.sort { $0.time.instant != $1.time.instant ? $0.time.instant > $1.time.instant : $0.order < $1.order }
        var rules: [(count: Int, bucket: (Int, SnapshotTime) -> Int, last: Int?)] = [
            (last, { index, _ in index }, nil),
            (daily, { _, time in time.year * 10_000 + time.month * 100 + time.day }, nil),
            (weekly, { _, time in time.isoWeek.year * 100 + time.isoWeek.week }, nil),
            (monthly, { _, time in time.year * 100 + time.month }, nil),
        ]
        var keep: Set<String> = []
        for (index, snapshot) in dated.enumerated() {
            for rule in rules.indices where rules[rule].count > 0 {
                let bucket = rules[rule].bucket(index, snapshot.time)
                if bucket != rules[rule].last {
                    keep.insert(snapshot.id)
                    rules[rule].last = bucket
                    rules[rule].count -= 1
                }
            }
        }
        return keep
    }
}

/// A time as restic writes it, `2026-01-01T03:00:00.123456789+01:00` (or `Z`): the calendar fields as written, and
/// the instant (seconds since the epoch) once the offset is applied.
public struct SnapshotTime: Sendable, Equatable {
    public let year: Int
    public let month: Int
    public let day: Int
    public let instant: Int64

    public init(_ text: String) throws(CoreError) {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<(start + count)] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func at(_ index: Int, _ character: Character) -> Bool {
            index < bytes.count && bytes[index] == character.asciiValue!
        }
        guard let year = number(0, 4), at(4, "-"), let month = number(5, 2), at(7, "-"), let day = number(8, 2),
            at(10, "T"), let hour = number(11, 2), at(13, ":"), let minute = number(14, 2), at(16, ":"),
            let second = number(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second < 61
        else { throw .invalidBackupSchedule(text, reason: "not a time as restic writes one (RFC 3339)") }
        var index = 19
        if at(index, ".") {
            index += 1
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
        }
        var offset = 0
        if at(index, "Z") {
            index += 1
        } else if at(index, "+") || at(index, "-"), let hours = number(index + 1, 2), at(index + 3, ":"),
            let minutes = number(index + 4, 2)
        {
            offset = (hours * 3600 + minutes * 60) * (at(index, "-") ? -1 : 1)
            index += 6
        } else {
            throw .invalidBackupSchedule(text, reason: "its offset is not Z or +HH:MM")
        }
        guard index == bytes.count else {
            throw .invalidBackupSchedule(text, reason: "unexpected text after the offset")
        }
        self.year = year
        self.month = month
        self.day = day
        let days = Self.daysFromCivil(year, month, day)
        instant = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
    }

    /// ISO 8601's week-numbering year and week (Go's `Time.ISOWeek`): weeks start on Monday, and week 1 is the one
    /// with the year's first Thursday.
    public var isoWeek: (year: Int, week: Int) {
        // The Thursday of this date's week decides its year; its week is that Thursday's day of the year / 7.
        let days = Self.daysFromCivil(year, month, day)
        let weekday = Int(Self.floorModulo(days + 3, 7)) + 1  // 1970-01-01 was a Thursday: Monday = 1 … Sunday = 7
        let thursday = days - Int64(weekday) + 4
        let thursdayYear = Self.civilYear(thursday)
        let ordinal = Int(thursday - Self.daysFromCivil(thursdayYear, 1, 1))
        return (thursdayYear, ordinal / 7 + 1)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The remainder with the sign of the divisor (a floored modulo), for days before 1970.
    static func floorModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }

    /// The year of a day counted from 1970-01-01.
    static func civilYear(_ days: Int64) -> Int {
        var year = Int(1970 + days / 366)
        while daysFromCivil(year + 1, 1, 1) <= days { year += 1 }
        while daysFromCivil(year, 1, 1) > days { year -= 1 }
        return year
    }
}
