import Testing

@testable import DokuenAPI

/// The hand-written HTTP/1.1 response reader: every framing dokuend (and a proxy, or an older daemon) may use, fed
/// whole and split at every byte, and every malformed answer refused with its reason.
@Suite struct ResponseDecoderTests {
    struct Outcome: Equatable {
        var status: Int?
        var body: String
        var complete: Bool
    }

    /// Feeds `pieces` in order, the last with `ended` when the connection closes after it.
    static func decode(_ pieces: [[UInt8]], ended: Bool, headRequest: Bool = false) throws(APIClientError) -> Outcome {
        var decoder = ResponseDecoder(headRequest: headRequest)
        var body: [UInt8] = []
        for (index, piece) in pieces.enumerated() {
            for chunk in try decoder.feed(piece[...], ended: ended && index == pieces.count - 1) { body += chunk }
        }
        return Outcome(
            status: decoder.status, body: String(decoding: body, as: UTF8.self), complete: decoder.isComplete)
    }

    static let answers: [(name: String, bytes: String, ended: Bool, status: Int, body: String)] = [
        ("sized", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 200, "hello"),
        ("empty sized", "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", false, 201, ""),
        ("no content", "HTTP/1.1 204 No Content\r\n\r\n", false, 204, ""),
        (
            "chunked",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n",
            false, 200, "hello world"
        ),
        (
            "chunked with trailers",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\na\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n", false,
            200, "0123456789"
        ),
        ("until close", "HTTP/1.0 500 Internal Server Error\r\n\r\n{\"error\":\"x\"}", true, 500, "{\"error\":\"x\"}"),
        (
            "interim answer first",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno",
            false, 404, "no"
        ),
        ("header spacing", "HTTP/1.1 200 OK\r\ncontent-length:\t3\r\n\r\nabc", false, 200, "abc"),
    ]

    @Test(arguments: answers.indices)
    func decodesWholeAndSplitAtEveryByte(_ index: Int) throws {
        let answer = Self.answers[index]
        let bytes = Array(answer.bytes.utf8)
        let expected = Outcome(status: answer.status, body: answer.body, complete: true)
        #expect(try Self.decode([bytes], ended: answer.ended) == expected, "\(answer.name)")
        for split in 1..<bytes.count {
            let pieces = [Array(bytes[..<split]), Array(bytes[split...])]
            #expect(try Self.decode(pieces, ended: answer.ended) == expected, "\(answer.name) split at \(split)")
        }
        let byByte = bytes.map { [$0] }
        #expect(try Self.decode(byByte, ended: answer.ended) == expected, "\(answer.name) byte by byte")
    }

    @Test func aHeadRequestHasNoBody() throws {
        let bytes = Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".utf8)
        #expect(
            try Self.decode([bytes], ended: false, headRequest: true) == Outcome(status: 200, body: "", complete: true))
    }

    @Test func anUnfinishedAnswerIsNotComplete() throws {
        let bytes = Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel".utf8)
        #expect(try Self.decode([bytes], ended: false) == Outcome(status: 200, body: "hel", complete: false))
    }

    @Test(arguments: [
        ("", "no end of headers"),
        ("HTTP/1.1 200 OK\r\nContent-Le", "no end of headers"),
        ("SPDY/3 200 OK\r\n\r\n", "bad status line"),
        ("HTTP/1.1 two hundred\r\n\r\n", "bad status line"),
        ("HTTP/1.1\r\n\r\n", "bad status line"),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "bad Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", "the connection closed before the end of the answer"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY", "bad chunk end"),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
            "the connection closed before the end of the answer"
        ),
    ])
    func refusesMalformedAnswers(_ text: String, _ reason: String) {
        #expect(throws: APIClientError.badResponse(reason)) { try Self.decode([Array(text.utf8)], ended: true) }
    }

    @Test func refusesAnEndlessHead() {
        let bytes =
            Array("HTTP/1.1 200 OK\r\n".utf8) + Array(repeating: UInt8(ascii: "a"), count: ResponseDecoder.maxHead + 1)
        #expect(throws: APIClientError.badResponse("a head longer than \(ResponseDecoder.maxHead) bytes")) {
            try Self.decode([bytes], ended: false)
        }
    }

    /// Error answers: today's shape, the shape of daemons before codes, and a code this client does not know.
    @Test func errorBodiesOfEveryShape() {
        let new = Array(#"{"error":{"code":"deploy_in_progress","message":"unable to deploy blog: busy"}}"#.utf8)
        #expect(
            ErrorBody.decode(new, status: 409)
                == APIErrorDetail(code: .deployInProgress, message: "unable to deploy blog: busy"))
        let old = Array(#"{"error":"unable to find app nope: there is no app of that name"}"#.utf8)
        #expect(
            ErrorBody.decode(old, status: 404)
                == APIErrorDetail(code: .notFound, message: "unable to find app nope: there is no app of that name"))
        let unknown = Array(#"{"error":{"code":"teapot","message":"short and stout"}}"#.utf8)
        #expect(ErrorBody.decode(unknown, status: 418) == APIErrorDetail(code: .invalid, message: "short and stout"))
        #expect(ErrorBody.decode(Array("<html>".utf8), status: 502) == nil)
    }

    @Test func everyCodeMapsToItsStatusAndBack() {
        for code in APIErrorCode.allCases where code != .deployInProgress {
            #expect(APIErrorCode(status: code.status) == code, "\(code)")
        }
        #expect(APIErrorCode(status: 413) == .invalid)
        #expect(APIErrorCode(status: 502) == .internal)
    }
}
