import Testing

@testable import DokuenDaemon

/// The end of an instance's log that a failed deploy shows (`LogTail`).
@Suite struct LogTailTests {
    static func log(_ lines: [String]) -> [UInt8] { Array(lines.map { $0 + "\n" }.joined().utf8) }

    @Test func stampsAreTheShims() {
        #expect(LogTail.stamp(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(LogTail.stamp(milliseconds: 1_795_329_373_123) == "2026-11-22T06:36:13.123Z")
        #expect(LogTail.stamp(milliseconds: 1_795_329_373_007) == "2026-11-22T06:36:13.007Z")
    }

    @Test func onlyLinesSinceTheCutoverWithoutTheirTimestamps() {
        let bytes = Self.log([
            "2026-11-22T05:56:12.999Z GET / 200 (the old instance)",
            "2026-11-22T05:56:13.123Z sh: 1: gunicorn: not found",
            "a continuation line with no stamp",
            "2026-11-22T05:56:13.500Z \u{1B}[31mred\tand tab",
        ])
        #expect(
            LogTail.lines(bytes, fromStart: true, since: "2026-11-22T05:56:13.000Z") == [
                "sh: 1: gunicorn: not found", "a continuation line with no stamp", "?[31mred\tand tab",
            ])
    }

    @Test func atMostTheLastTenLinesAndACutFirstLineIsDropped() {
        let lines = (1...15).map { "2026-11-22T05:56:13.\(100 + $0)Z line \($0)" }
        let bytes = Array("ne 0\n".utf8) + Self.log(lines)
        let tail = LogTail.lines(bytes, fromStart: false, since: "1970-01-01T00:00:00.000Z")
        #expect(tail == (6...15).map { "line \($0)" })
        #expect(LogTail.lines(Array("x".utf8), fromStart: false, since: "") == [])
        let long = String(repeating: "é", count: 300)
        #expect(
            LogTail.lines(Self.log([long]), fromStart: true, since: "")
                == [], "a line without a stamp before any kept line is dropped")
        #expect(
            LogTail.lines(Self.log(["2026-11-22T05:56:13.123Z " + long]), fromStart: true, since: "")
                == [String(repeating: "é", count: LogTail.maxLineLength) + "…"])
    }
}
