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

    /// The CLI's reader gives what JSONDecoder gives, for the hand-written body and for JSONEncoder's own output in
    /// any formatting (the control verbs' answers come from the generic encoder).
    @Test(arguments: [[], Array(statuses.prefix(1)), statuses])
    func theReaderReadsWhatJSONDecoderReads(_ statuses: [InstanceStatus]) throws {
        #expect(InstanceStatusJSON.decode(Array(InstanceStatusJSON.array(statuses).utf8)) == statuses)
        for formatting: JSONEncoder.OutputFormatting in [[], [.prettyPrinted], [.sortedKeys, .prettyPrinted]] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = formatting
            let body = Array(try encoder.encode(statuses))
            #expect(InstanceStatusJSON.decode(body) == statuses, "\(String(decoding: body, as: UTF8.self))")
            #expect(try JSONDecoder().decode([InstanceStatus].self, from: Data(body)) == statuses)
        }
    }

    @Test func theReaderResolvesEveryEscapeAndIgnoresUnknownScalarKeys() throws {
        let body = #"""
            [ {"app":"a\u00e9\ud83d\ude00\/","type":"web","index":1,"release":"v1","state":"RUNNING","since":5,
               "restarts":0,"exit":"\"\\\b\f\n\r\t","future":[],"pid":null} ]
            """#
        // An unknown key whose value is an array or an object: the reader declines, JSONDecoder reads it.
        #expect(InstanceStatusJSON.decode(Array(body.utf8)) == nil)
        let nested = body.replacingOccurrences(of: #""future":[]"#, with: #""future":{"x":1}"#)
        #expect(InstanceStatusJSON.decode(Array(nested.utf8)) == nil)
        let scalar = body.replacingOccurrences(of: #""future":[]"#, with: #""future":"soon","more":1.5e3"#)
        let read = try #require(InstanceStatusJSON.decode(Array(scalar.utf8)))
        #expect(read == (try JSONDecoder().decode([InstanceStatus].self, from: Data(scalar.utf8))))
        #expect(read.first?.app == "aé😀/")
        #expect(read.first?.exit == "\"\\\u{8}\u{c}\n\r\t")
        #expect(read.first?.logDroppedBytes == 0 && read.first?.logDropping == false)
    }

    /// What the reader declines, JSONDecoder decides (it refuses each of these, or reads it): never read wrongly.
    @Test(arguments: [
        "", "[", "[{}]", "[1]", "{}", #"[{"app":"a"}]"#, "[] x",
        #"[{"app":"a","type":"web","index":1.5,"release":"v1","state":"R","since":1,"restarts":0}]"#,
        #"[{"app":"a","type":"web","index":"1","release":"v1","state":"R","since":1,"restarts":0}]"#,
        #"[{"app":"a","type":"web","index":1,"release":"v1","state":"R","since":1,"restarts":0,"pid":4294967296}]"#,
        #"[{"app":"a\x","type":"web","index":1,"release":"v1","state":"R","since":1,"restarts":0}]"#,
        #"[{"app":"\ud800","type":"web","index":1,"release":"v1","state":"R","since":1,"restarts":0}]"#,
        "[{\"app\":\"a\tb\",\"type\":\"web\",\"index\":1,\"release\":\"v1\",\"state\":\"R\",\"since\":1,\"restarts\":0}]",
    ])
    func theReaderDeclinesWhatItDoesNotAccept(_ body: String) {
        #expect(InstanceStatusJSON.decode(Array(body.utf8)) == nil)
    }

    @Test func theReaderDeclinesInvalidUTF8() {
        var body = Array(
            #"[{"app":"a","type":"web","index":1,"release":"v1","state":"R","since":1,"restarts":0}]"#.utf8)
        #expect(InstanceStatusJSON.decode(body) != nil)
        body[9] = 0xFF
        #expect(InstanceStatusJSON.decode(body) == nil)
    }
}
