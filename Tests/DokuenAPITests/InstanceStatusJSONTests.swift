import Foundation
import Testing

@testable import DokuenAPI

/// The hand-written body of `GET /v1/status` is what JSONEncoder (sorted keys, slashes unescaped) writes, byte for
/// byte, and decodes back to the same values.
@Suite(.timeLimit(.minutes(1))) struct InstanceStatusJSONTests {
    static let statuses = [
        InstanceStatus(
            app: "fleet", type: "web", index: 1, release: "v3", state: "RUNNING", pid: 4121, shimPID: 4120, port: 5001,
            since: 1_764_900_000, restarts: 0, exit: nil, rssBytes: 1_048_576, cpuSeconds: 0.25,
            logDroppedBytes: 0, logDropping: false),
        InstanceStatus(
            app: "fleet", type: "worker", index: 12, release: "v3", state: "BACKOFF", pid: nil, shimPID: 4200,
            port: nil, since: 0, restarts: 3, exit: "code 1", rssBytes: nil, cpuSeconds: 3,
            logDroppedBytes: 9_000_000_000, logDropping: true),
        InstanceStatus(
            app: "fleet", type: "clock", index: 2, release: "v10", state: "GONE", pid: nil, shimPID: nil, port: nil,
            since: 5, restarts: 0, exit: "a/b \"quoted\" \\ tab\t nl\n cr\r \u{1} \u{8}\u{c} é ✓", rssBytes: nil,
            cpuSeconds: 12.345, logDroppedBytes: 0, logDropping: false),
    ]

    @Test(arguments: [[], Array(statuses.prefix(1)), statuses])
    func theBodyIsWhatJSONEncoderWrites(_ statuses: [InstanceStatus]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(statuses), as: UTF8.self)
        #expect(InstanceStatusJSON.array(statuses) == expected)
    }

    @Test func theBodyDecodesToTheSameValues() throws {
        let body = InstanceStatusJSON.array(Self.statuses)
        #expect(try JSONDecoder().decode([InstanceStatus].self, from: Data(body.utf8)) == Self.statuses)
    }
}
