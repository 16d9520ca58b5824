import DokuenAPI
import TestSupport
import Testing

/// The CLI's client against a real server on a Unix socket: a small Python program that answers each path with
/// fixed bytes, written a few at a time so that every answer arrives in pieces. It says READY=1 once it listens.
@Suite(.timeLimit(.minutes(1))) struct UnixHTTPClientTests {
    static let server = #"""
        import os, socket, sys
        path, notify = sys.argv[1], sys.argv[2]
        answers = {
            "/sized": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            "/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            "/error": b'HTTP/1.1 404 Not Found\r\nContent-Length: 67\r\n\r\n'
                + b'{"error":{"code":"not_found","message":"unable to find app nope!"}}',
            "/old-error": b'HTTP/1.1 409 Conflict\r\nContent-Length: 20\r\n\r\n{"error":"it\'s old"}',
            "/truncated": b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nnot fifty",
            "/garbage": b"this is not http\r\n\r\n",
        }
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen(16)
        ready = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ready.sendto(b"READY=1", notify)
        while True:
            connection, _ = listener.accept()
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(4096)
            head, body = request.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                body += connection.recv(4096)
            target = head.split(b" ")[1].decode()
            if target == "/echo":
                echoed = head + b"\r\n\r\n" + body
                answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(echoed) + echoed
            else:
                answer = answers[target]
            for start in range(0, len(answer), 7):
                connection.sendall(answer[start:start + 7])
            connection.close()
        """#

    /// Runs `body` with a client of a fresh server, which is killed (by its pid) afterwards.
    func withServer(_ body: (UnixHTTPClient) throws -> Void) throws {
        let temp = try TemporaryDirectory("http")
        defer { temp.remove() }
        let notify = try NotifySocket(path: temp("notify"))
        let server = try BackgroundProgram(
            "/usr/bin/python3", ["-c", Self.server, temp("api.sock"), notify.path], environment: [:])
        defer { server.stop() }
        guard try notify.waitFor("READY=1", milliseconds: 20_000) != nil else {
            Issue.record("the test server did not start: \(server.standardError)")
            return
        }
        try body(UnixHTTPClient(socketPath: temp("api.sock")))
    }

    @Test func readsSizedAndChunkedAnswers() throws {
        try withServer { client in
            let sized = try client.send("GET", "/sized")
            #expect(sized.status == 200 && sized.body == Array("hello".utf8))
            #expect(sized.headers["content-length"] == "5")
            let chunked = try client.send("GET", "/chunked")
            #expect(chunked.status == 200 && String(decoding: chunked.body, as: UTF8.self) == "hello world")
            var streamed: [UInt8] = []
            let response = try client.stream("GET", "/chunked") { streamed += $0 }
            #expect(response.status == 200 && String(decoding: streamed, as: UTF8.self) == "hello world")
        }
    }

    @Test func sendsTheMethodPathHeadersAndBody() throws {
        try withServer { client in
            let response = try client.send(
                "POST", "/echo", body: Array(#"{"name":"blog"}"#.utf8), headers: ["X-Dokuen-Actor": "alice"])
            let echoed = String(decoding: response.body, as: UTF8.self)
            #expect(echoed.hasPrefix("POST /echo HTTP/1.1\r\n"), "\(echoed)")
            #expect(echoed.contains("\r\nContent-Length: 15\r\n"), "\(echoed)")
            #expect(echoed.contains("\r\nX-Dokuen-Actor: alice\r\n"), "\(echoed)")
            #expect(echoed.hasSuffix("\r\n\r\n{\"name\":\"blog\"}"), "\(echoed)")
        }
    }

    @Test func errorAnswersKeepTheirBodyAndDecode() throws {
        try withServer { client in
            let new = try client.send("GET", "/error")
            #expect(new.status == 404)
            #expect(
                ErrorBody.decode(new.body, status: new.status)
                    == APIErrorDetail(code: .notFound, message: "unable to find app nope!"))
            let old = try client.send("GET", "/old-error")
            #expect(
                ErrorBody.decode(old.body, status: old.status) == APIErrorDetail(code: .conflict, message: "it's old"))
        }
    }

    @Test func brokenAnswersAreErrors() throws {
        try withServer { client in
            #expect(throws: APIClientError.badResponse("the connection closed before the end of the answer")) {
                try client.send("GET", "/truncated")
            }
            #expect(throws: APIClientError.badResponse("bad status line")) { try client.send("GET", "/garbage") }
        }
    }

    @Test func noServerIsSaidPlainly() throws {
        let temp = try TemporaryDirectory("http")
        defer { temp.remove() }
        let client = UnixHTTPClient(socketPath: temp("missing.sock"))
        #expect(throws: APIClientError.self) { try client.send("GET", "/v1/health") }
        do {
            _ = try client.send("GET", "/v1/health")
        } catch {
            #expect(
                error.description
                    == "unable to reach dokuend at \(temp("missing.sock")): No such file or directory; is dokuend "
                    + "running? (start it with scripts/up)")
        }
    }
}
