import Testing

@testable import DokuenCore

/// `dokuen checks set` and app.json `healthchecks`: every key, its range, the request it makes and the verdict on
/// an answer.
@Suite struct HealthCheckTests {
    @Test func defaultsAreGetSlashAnswering200() {
        let check = HealthCheck()
        #expect(
            HealthCheck.Key.allCases.map { "\($0)=\(check.value($0))" } == [
                "path=/", "status=200", "content=", "attempts=5", "wait=2", "timeout=5", "initial_delay=0",
            ])
        #expect(check.explicitKeys.isEmpty)
    }

    @Test(arguments: [
        ("path=/health", "/health"), ("path=/up?full=1&x=%20", "/up?full=1&x=%20"), ("status=204", "204"),
        ("status=599", "599"), ("content=ok", "ok"), ("content=Our Amazing Team", "Our Amazing Team"),
        ("attempts=1", "1"), ("attempts=100", "100"), ("wait=0", "0"), ("timeout=1", "1"), ("timeout=600", "600"),
        ("initial_delay=30", "30"), ("attempts=007", "7"),
    ])
    func acceptsAndCanonicalizes(_ text: String, _ canonical: String) throws {
        let (key, value) = try HealthCheck.assignment(text)
        var check = HealthCheck()
        try check.set(key, to: try #require(value))
        #expect(check.value(key) == canonical)
        #expect(check.explicitValues == [key.rawValue: canonical])
    }

    @Test(arguments: [
        "path=health", "path=/a b", "path=/a\r\nHost: evil", "path=/#frag", "path=/é", "status=99", "status=600",
        "status=2xx", "attempts=0", "attempts=101", "attempts=-1", "wait=601", "timeout=0", "timeout=1s",
        "content=caf\u{E9}", "content=a\nb", "initial_delay=+1", "nope=1", "path",
    ])
    func refuses(_ text: String) {
        #expect(throws: CoreError.self) {
            let (key, value) = try HealthCheck.assignment(text)
            var check = HealthCheck()
            try check.set(key, to: value ?? "")
        }
    }

    @Test func anUnknownKeyNamesTheKeys() {
        #expect(
            throws: CoreError.invalidSetting(
                "retries=3",
                reason:
                    "unknown key \"retries\"; the keys are path, status, content, attempts, wait, timeout, initial_delay"
            )
        ) {
            _ = try HealthCheck.assignment("retries=3")
        }
    }

    @Test func anEmptyValueUnsets() throws {
        #expect(try HealthCheck.assignment("content=") == (.content, nil))
        var check = try HealthCheck(values: ["content": "ok", "path": "/up"])
        check.unset(.content)
        #expect(check.content == nil && check.explicitKeys == [.path])
    }

    @Test func theRequestIsOneGetThatClosesTheConnection() throws {
        let check = try HealthCheck(values: ["path": "/health?x=1"])
        #expect(
            check.request(host: "blog.localhost")
                == Array(
                    "GET /health?x=1 HTTP/1.1\r\nHost: blog.localhost\r\nUser-Agent: dokuen-check\r\nConnection: close\r\n\r\n"
                        .utf8))
    }

    static func answer(_ status: String, _ body: String, headers: String = "Content-Type: text/plain\r\n") -> [UInt8] {
        Array("HTTP/1.1 \(status)\r\n\(headers)\r\n\(body)".utf8)
    }

    @Test func verdicts() throws {
        let plain = HealthCheck()
        #expect(plain.verdict(response: Self.answer("200 OK", "anything")) == nil)
        #expect(plain.verdict(response: Self.answer("500 Internal Server Error", "")) == "answered 500, not 200")
        #expect(plain.verdict(response: []) == "the connection closed with no answer")
        #expect(plain.verdict(response: Array("SSH-2.0-OpenSSH\r\n".utf8))?.hasPrefix("the answer is not HTTP") == true)
        #expect(plain.verdict(response: Array("HTTP/1.1 200".utf8)) == "the answer has no status line")

        let content = try HealthCheck(values: ["content": "ok", "status": "201"])
        #expect(content.verdict(response: Self.answer("201 Created", "all ok here")) == nil)
        #expect(
            content.verdict(response: Self.answer("201 Created", "nope")) == "answered 201 without \"ok\" in its body")
        #expect(content.verdict(response: Self.answer("200 OK", "ok")) == "answered 200, not 201")
        // The header block does not count as body.
        #expect(
            content.verdict(response: Self.answer("201 Created", "", headers: "X-Status: ok\r\n"))
                == "answered 201 without \"ok\" in its body")
        // A chunked body is searched as sent.
        #expect(
            content.verdict(
                response: Self.answer("201 Created", "2\r\nok\r\n0\r\n\r\n", headers: "Transfer-Encoding: chunked\r\n"))
                == nil)
    }
}
