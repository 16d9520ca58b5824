import DokuenCore
import Testing

/// RetentionPolicy against a table of snapshot dates that crosses a year boundary in the middle of an ISO week, with
/// two snapshots on one day and two in one week; the expected sets are restic's rules worked by hand (newest first,
/// each rule keeps the newest snapshot of each of its last N buckets). BackupTests checks the same table against
/// `restic forget` itself.
struct RetentionPolicyTests {
    /// id → time, in restic's format. ISO weeks: s1 2025-W49, s2 W51, s3 (a Sunday) W52, s4–s7 2026-W01 (Monday 29
    /// December to Thursday 1 January), s8–s9 2026-W02, s10 2026-W05.
    static let table: [(String, String)] = [
        ("s1", "2025-12-01T03:00:00Z"), ("s2", "2025-12-15T03:00:00Z"), ("s3", "2025-12-28T03:00:00Z"),
        ("s4", "2025-12-29T03:00:00Z"), ("s5", "2025-12-31T23:00:00Z"), ("s6", "2026-01-01T03:00:00Z"),
        ("s7", "2026-01-01T15:00:00.123456789Z"), ("s8", "2026-01-05T03:00:00Z"), ("s9", "2026-01-06T03:00:00Z"),
        ("s10", "2026-02-01T03:00:00Z"),
    ]

    static var snapshots: [RetentionPolicy.Snapshot] {
        // Shuffled: the order given must not matter.
        table.reversed().enumerated().sorted { ($0.offset * 7) % 10 < ($1.offset * 7) % 10 }.map {
            RetentionPolicy.Snapshot(id: $0.element.0, time: $0.element.1)
        }
    }

    @Test(
        arguments: [
            (RetentionPolicy(last: 2), ["s10", "s9"]),
            (RetentionPolicy(daily: 3), ["s10", "s9", "s8"]),
            (RetentionPolicy(daily: 10), ["s10", "s9", "s8", "s7", "s5", "s4", "s3", "s2", "s1"]),
            (RetentionPolicy(weekly: 3), ["s10", "s9", "s7"]),
            (RetentionPolicy(weekly: 5), ["s10", "s9", "s7", "s3", "s2"]),
            (RetentionPolicy(monthly: 3), ["s10", "s9", "s5"]),
            (RetentionPolicy(monthly: 12), ["s10", "s9", "s5"]),
            (RetentionPolicy(daily: 3, weekly: 3, monthly: 3), ["s10", "s9", "s8", "s7", "s5"]),
            (RetentionPolicy(last: 1, monthly: 2), ["s10", "s9"]),
            (RetentionPolicy(last: 100), ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"]),
        ])
    func keepsWhatResticKeeps(_ policy: RetentionPolicy, _ expected: [String]) throws {
        #expect(try policy.kept(Self.snapshots) == Set(expected))
    }

    @Test func anEmptyPolicyKeepsNothingAndSaysSo() throws {
        #expect(RetentionPolicy().isEmpty)
        #expect(try RetentionPolicy().kept(Self.snapshots).isEmpty)
        #expect(RetentionPolicy(daily: 7, monthly: 2).resticFlags == ["--keep-daily", "7", "--keep-monthly", "2"])
    }

    /// Buckets are the calendar of the offset a snapshot was written in, as restic reads them; the order is the
    /// instant's.
    @Test func bucketsFollowTheWrittenOffset() throws {
        let snapshots = [
            RetentionPolicy.Snapshot(id: "late", time: "2026-01-01T00:30:00+01:00"),  // 2025-12-31T23:30Z
            RetentionPolicy.Snapshot(id: "early", time: "2025-12-31T23:00:00Z"),
        ]
        // Different days as written, so both are kept by daily 2 even though they are 30 minutes apart.
        #expect(try RetentionPolicy(daily: 2).kept(snapshots) == ["late", "early"])
        // And `late` is the newer instant: last 1 keeps it.
        #expect(try RetentionPolicy(last: 1).kept(snapshots) == ["late"])
        #expect(try SnapshotTime("2026-01-01T00:30:00+01:00").instant == 1_767_223_800)
        #expect(try SnapshotTime("2025-12-31T23:30:00-00:00").instant == 1_767_223_800)
    }

    @Test(
        arguments: [
            ("2021-01-03T00:00:00Z", 2020, 53), ("2020-12-31T00:00:00Z", 2020, 53), ("2024-12-30T00:00:00Z", 2025, 1),
            ("2027-01-01T00:00:00Z", 2026, 53), ("2026-01-01T00:00:00Z", 2026, 1), ("2025-12-28T00:00:00Z", 2025, 52),
            ("2025-12-29T00:00:00Z", 2026, 1), ("1969-12-31T00:00:00Z", 1970, 1), ("2000-02-29T00:00:00Z", 2000, 9),
        ])
    func isoWeeks(_ time: String, _ year: Int, _ week: Int) throws {
        let parsed = try SnapshotTime(time).isoWeek
        #expect(parsed.year == year && parsed.week == week)
    }

    @Test(arguments: ["", "2026-01-01", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00+0100"])
    func refusesWhatIsNotRestics(_ time: String) {
        #expect(throws: CoreError.self) { try SnapshotTime(time) }
    }
}
