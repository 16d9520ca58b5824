import DokuenCore
import Testing

/// `dokuen backup schedule`'s forms and the cron expressions they stand for.
struct BackupScheduleTests {
    struct UTC: CronZone {
        func utcOffset(at instant: Int64) -> Int { 0 }
    }

    @Test(
        arguments: [
            ("hourly", "hourly", "0 * * * *"), ("daily 03:00", "daily 03:00", "0 3 * * *"),
            ("Daily  3:05", "daily 3:05", "5 3 * * *"), ("weekly sun 23:59", "weekly sun 23:59", "59 23 * * 0"),
            ("weekly Monday 00:00", "weekly monday 00:00", "0 0 * * 1"), ("* * * * *", "* * * * *", "* * * * *"),
            ("30 2 * * 1-5", "30 2 * * 1-5", "30 2 * * 1-5"),
        ])
    func parses(_ given: String, _ text: String, _ cron: String) throws {
        let schedule = try BackupSchedule(given)
        #expect(schedule.text == text)
        #expect(schedule.cron.text == cron)
    }

    @Test(
        arguments: [
            (
                "",
                "invalid backup schedule \"\": use hourly, daily HH:MM, weekly DAY HH:MM or a cron expression of five fields (minute hour day-of-month month day-of-week)"
            ),
            ("daily", "invalid backup schedule \"daily\": use hourly, daily HH:MM or weekly DAY HH:MM"),
            ("daily 24:00", "invalid backup schedule \"daily 24:00\": \"24:00\" is not a time HH:MM (00:00 to 23:59)"),
            ("daily 3pm", "invalid backup schedule \"daily 3pm\": \"3pm\" is not a time HH:MM (00:00 to 23:59)"),
            (
                "weekly someday 03:00",
                "invalid backup schedule \"weekly someday 03:00\": \"someday\" is not a day of the week (mon, tue, … sun)"
            ),
            (
                "61 * * * *",
                "invalid backup schedule \"61 * * * *\": minute field \"61\": \"61\" is not a number from 0 to 59"
            ),
            ("hourly 5", "invalid backup schedule \"hourly 5\": use hourly, daily HH:MM or weekly DAY HH:MM"),
        ])
    func refuses(_ given: String, _ message: String) {
        #expect(throws: CoreError.self) { try BackupSchedule(given) }
        do { _ = try BackupSchedule(given) } catch { #expect(error.description == message) }
    }

    @Test func nextFireIsCronsInTheZone() throws {
        // 2026-12-05 00:44:00 UTC, a Saturday.
        let now: Int64 = 1_796_431_440
        #expect(try BackupSchedule("daily 03:00").nextFire(after: now, in: UTC()) == 1_796_439_600)
        #expect(try BackupSchedule("hourly").nextFire(after: now, in: UTC()) == 1_796_432_400)
        #expect(try BackupSchedule("weekly sun 03:00").nextFire(after: now, in: UTC()) == 1_796_439_600 + 86_400)
    }
}
