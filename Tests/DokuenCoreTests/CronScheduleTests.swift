import DokuenCore
import Testing

/// CronSchedule's parser and its calendar arithmetic in a fixed zone; the DST cases are checked against croniter in
/// DokuenDaemonTests' CronScheduleReferenceTests.
struct CronScheduleTests {
    struct FixedZone: CronZone {
        let offset: Int
        func utcOffset(at instant: Int64) -> Int { offset }
    }

    @Test(
        arguments: [
            (
                "61 * * * *",
                "invalid cron schedule \"61 * * * *\": minute field \"61\": \"61\" is not a number from 0 to 59"
            ),
            (
                "* * *",
                "invalid cron schedule \"* * *\": expected 5 fields (minute hour day-of-month month day-of-week), found 3"
            ),
            ("", "invalid cron schedule \"\": expected 5 fields (minute hour day-of-month month day-of-week), found 0"),
            (
                "* 24 * * *",
                "invalid cron schedule \"* 24 * * *\": hour field \"24\": \"24\" is not a number from 0 to 23"
            ),
            (
                "* * 0 * *",
                "invalid cron schedule \"* * 0 * *\": day-of-month field \"0\": \"0\" is not a number from 1 to 31"
            ),
            (
                "* * * foo *",
                "invalid cron schedule \"* * * foo *\": month field \"foo\": \"foo\" is not a number or a name from 1 to 12"
            ),
            (
                "* * * * 8",
                "invalid cron schedule \"* * * * 8\": day-of-week field \"8\": \"8\" is not a number or a name from 0 to 7"
            ),
            (
                "*/0 * * * *",
                "invalid cron schedule \"*/0 * * * *\": minute field \"*/0\": step \"0\" is not a number from 1 to 60"
            ),
            ("5-1 * * * *", "invalid cron schedule \"5-1 * * * *\": minute field \"5-1\": range 5-1 runs backwards"),
            (
                "1,,2 * * * *",
                "invalid cron schedule \"1,,2 * * * *\": minute field \"1,,2\": \"\" is not a value, a range or *"
            ),
            (
                "@often",
                "invalid cron schedule \"@often\": unknown nickname @often (use @hourly, @daily, @weekly, @monthly, @yearly or @reboot)"
            ),
            (
                "-1 * * * *",
                "invalid cron schedule \"-1 * * * *\": minute field \"-1\": \"\" is not a number from 0 to 59"
            ),
        ])
    func refusesWhatCannotParse(_ text: String, _ message: String) {
        #expect(throws: CoreError.self) { try CronSchedule(text) }
        do {
            _ = try CronSchedule(text)
        } catch {
            #expect(error.description == message)
        }
    }

    /// 2026-12-04 10:07:30 UTC, a Friday.
    static let friday: Int64 = 1_796_378_850

    @Test(
        arguments: [
            ("* * * * *", 1_796_378_880), ("*/15 * * * *", 1_796_379_300), ("0 * * * *", 1_796_382_000),
            ("@daily", 1_796_428_800), ("0 9 * * mon", 1_796_634_000), ("0 0 1 jan *", 1_798_761_600),
            ("30 10 4 12 *", 1_796_380_200), ("0 0 13 * fri", 1_796_947_200), ("0 0 * * 7", 1_796_515_200),
            ("0 0 29 2 *", 1_835_395_200), ("8-10/2 10 * * *", 1_796_378_880),
        ] as [(String, Int64)])
    func nextFireInUTC(_ text: String, _ expected: Int64) throws {
        #expect(try CronSchedule(text).nextFire(after: Self.friday, in: FixedZone(offset: 0)) == expected)
    }

    @Test func aZoneShiftsTheWallClock() throws {
        // 10:07:30 UTC is 11:07:30 at +01:00; the next 12:00 there is 11:00 UTC.
        #expect(
            try CronSchedule("0 12 * * *").nextFire(after: Self.friday, in: FixedZone(offset: 3600)) == 1_796_382_000)
    }

    @Test func rebootAndImpossibleDatesHaveNoCalendarTime() throws {
        let reboot = try CronSchedule("@reboot")
        #expect(reboot.isReboot)
        #expect(reboot.nextFire(after: Self.friday, in: FixedZone(offset: 0)) == nil)
        #expect(try CronSchedule("0 0 30 2 *").nextFire(after: Self.friday, in: FixedZone(offset: 0)) == nil)
    }

    /// Berlin's 2026 rules as two instants, so that the DST rules are pinned without tz data or the reference:
    /// +01:00, then +02:00 from 2026-03-29 01:00 UTC, then +01:00 again from 2026-10-25 01:00 UTC.
    struct TwoChangeZone: CronZone {
        func utcOffset(at instant: Int64) -> Int {
            instant >= 1_774_746_000 && instant < 1_792_890_000 ? 7200 : 3600
        }
    }

    @Test(
        arguments: [
            // 02:30 does not exist on 29 March: once, at the end of the gap (03:00 CEST), then 02:30 CEST next day.
            ("30 2 * * *", 1_774_742_400, [1_774_746_000, 1_774_830_600]),
            // 02:30 happens twice on 25 October: a fixed hour fires at the first only, then 02:30 CET next day.
            ("30 2 * * *", 1_792_886_400, [1_792_888_200, 1_792_978_200]),
            // An hour field of `*` is elapsed time: both 02:00s and both 02:30s.
            ("*/30 * * * *", 1_792_886_400, [1_792_888_200, 1_792_890_000, 1_792_891_800, 1_792_893_600]),
            // Every minute of the skipped hour coalesces into one fire at its end.
            ("* 2 * * *", 1_774_742_400, [1_774_746_000, 1_774_828_800]),
        ] as [(String, Int64, [Int64])])
    func eachLocalTimeFiresOnceAcrossDST(_ text: String, _ after: Int64, _ expected: [Int64]) throws {
        let schedule = try CronSchedule(text)
        var fires: [Int64] = []
        var last = after
        while fires.count < expected.count, let next = schedule.nextFire(after: last, in: TwoChangeZone()) {
            fires.append(next)
            last = next
        }
        #expect(fires == expected)
    }
}
