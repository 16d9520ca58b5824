import DokuenCore
import TestSupport
import Testing

/// Human times are `date -u`'s calendar: fixed points, then random seconds checked against date(1) itself.
@Suite struct UTCTimeTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01 00:00:00 UTC"), (1_796_399_938, "2026-12-04 15:58:58 UTC"),
        (951_782_400, "2000-02-29 00:00:00 UTC"), (4_107_542_399, "2100-02-28 23:59:59 UTC"),
        (4_107_542_400, "2100-03-01 00:00:00 UTC"), (-1, "1969-12-31 23:59:59 UTC"),
        (253_402_300_799, "9999-12-31 23:59:59 UTC"),
    ])
    func knownTimes(_ seconds: Int64, _ expected: String) {
        #expect(UTCTime.text(seconds) == expected)
    }

    @Test func agreesWithDate() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let seconds = Int64.random(in: 0..<4_102_444_800, using: &generator)
            let result = try runProgram(
                "/usr/bin/date", ["-u", "-d", "@\(seconds)", "+%Y-%m-%d %H:%M:%S UTC"], environment: ["LC_ALL": "C"])
            #expect(UTCTime.text(seconds) + "\n" == result.standardOutput, "\(seconds)")
        }
    }

    /// HTTP's `Date` header: English names, weekday from the day count, checked against date(1) in the C locale.
    @Test func httpDates() throws {
        #expect(UTCTime.httpDate(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(UTCTime.httpDate(1_796_399_938) == "Fri, 04 Dec 2026 15:58:58 GMT")
        #expect(UTCTime.httpDate(-1) == "Wed, 31 Dec 1969 23:59:59 GMT")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10 {
            let seconds = Int64.random(in: 0..<4_102_444_800, using: &generator)
            let result = try runProgram(
                "/usr/bin/date", ["-u", "-d", "@\(seconds)", "+%a, %d %b %Y %H:%M:%S GMT"], environment: ["LC_ALL": "C"]
            )
            #expect(UTCTime.httpDate(seconds) + "\n" == result.standardOutput, "\(seconds)")
        }
    }

    /// What programs parse: DOKUEN_RELEASE_CREATED_AT, and the stamp dokuend writes before a line of an instance's log
    /// (the shim's format).
    @Test func isoAndLogStamps() {
        #expect(UTCTime.iso8601(1_796_399_938) == "2026-12-04T15:58:58Z")
        #expect(UTCTime.iso8601(0) == "1970-01-01T00:00:00Z")
        #expect(UTCTime.logStamp(1_796_399_938_007) == "2026-12-04T15:58:58.007Z ")
        #expect(UTCTime.logStamp(1_796_399_938_120) == "2026-12-04T15:58:58.120Z ")
    }
}
