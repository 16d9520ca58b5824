import DokuenCore
import DokuenDaemon
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// CronSchedule.nextFire against a reference: PyPI's croniter, installed into a temporary venv and run by
/// `Tests/Fixtures/cron/croniter_reference.py` on the same (expression, time, zone) cases, including both DST changes
/// of Europe/Berlin and America/New_York. Each case compares three successive fire times.
@Suite(.timeLimit(.minutes(5)))
struct CronScheduleReferenceTests {
    static let expressions = [
        "* * * * *", "*/15 * * * *", "0 * * * *", "30 2 * * *", "0 2 * * *", "15 1 * * *", "0 3 * * *",
        "45 2,3 * * *", "0 */2 * * *", "5 4 * * sun", "0 0 1 * *", "0 0 29 2 *", "0 12 * * mon-fri",
        "0 9-17/2 * * 1-5", "30 2 1,15 * 5", "0 0 * jan,jul *", "@hourly", "@daily", "@weekly", "@monthly",
        "@yearly", "59 23 31 12 *", "0,30 1-3 * * *", "* 2 * * *", "0 0 * * 7",
    ]
    /// Instants around each zone's changes in 2026 (just before, inside a skipped or repeated hour, in the second
    /// occurrence of a repeated hour), and ordinary ones in every zone (a month's end, a leap year, a year's end).
    static let ordinary: [Int64] = [1_772_323_170, 1_835_352_000, 1_798_761_540]
    static let starts: [(String, [Int64])] = [
        ("Europe/Berlin", [1_774_741_800, 1_774_745_970, 1_792_885_800, 1_792_888_800, 1_792_890_600] + ordinary),
        ("America/New_York", [1_772_951_400, 1_793_508_900, 1_793_514_000] + ordinary),
        ("UTC", ordinary),
    ]
    static let count = 3

    @Test func agreesWithCroniter() throws {
        guard let python = which("python3") else {
            Issue.record("python3 is needed (scripts/deps installs it)")
            return
        }
        let scratch = try TemporaryDirectory("cron-reference")
        defer { scratch.remove() }
        let venv = try runProgram(python, ["-m", "venv", scratch("venv")], deadlineSeconds: 120)
        try #require(venv.status == .exited(0), "python3 -m venv: \(venv.standardError)")
        let pip = try runProgram(
            scratch("venv/bin/pip"), ["install", "--quiet", "--disable-pip-version-check", "croniter==7.0.0"],
            deadlineSeconds: 180)
        try #require(pip.status == .exited(0), "pip install croniter: \(pip.standardError)")

        var cases: [(zone: String, start: Int64, expression: String)] = []
        for (zone, instants) in Self.starts {
            for start in instants {
                for expression in Self.expressions { cases.append((zone, start, expression)) }
            }
        }
        #expect(cases.count >= 200)
        let input = cases.map { "\($0.zone)\t\($0.start)\t\(Self.count)\t\($0.expression)\n" }.joined()
        let script = repositoryRoot() + "/Tests/Fixtures/cron/croniter_reference.py"
        let reference = try runProgram(
            scratch("venv/bin/python"), [script], stdin: Array(input.utf8), deadlineSeconds: 120)
        try #require(reference.status == .exited(0), "croniter_reference.py: \(reference.standardError)")
        let lines = reference.standardOutput.split(separator: "\n")
        try #require(lines.count == cases.count)

        var disagreements: [String] = []
        for (index, item) in cases.enumerated() {
            let zone = try #require(CronTimeZone(identifier: item.zone))
            let schedule = try CronSchedule(item.expression)
            var fires: [Int64] = []
            var after = item.start
            for _ in 0..<Self.count {
                guard let next = schedule.nextFire(after: after, in: zone) else { break }
                fires.append(next)
                after = next
            }
            let expected = lines[index].split(separator: " ").compactMap { Int64($0) }
            if fires != expected {
                disagreements.append("\(item.expression) after \(item.start) in \(item.zone): \(fires) != \(expected)")
            }
        }
        #expect(
            disagreements.isEmpty, "\(disagreements.count) of \(cases.count):\n\(disagreements.joined(separator: "\n"))"
        )
    }

    private func repositoryRoot() -> String {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) }
        return path
    }
}
