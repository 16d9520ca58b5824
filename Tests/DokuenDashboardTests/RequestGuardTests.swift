import Testing

@testable import DokuenDashboard

/// What a state-changing request must carry: the session's CSRF token, the listener's own origin when the browser
/// names one, and no `Sec-Fetch-Site: cross-site`.
@Suite struct RequestGuardTests {
    static let csrf = String(repeating: "c", count: 64)

    @Test(
        arguments: [
            // origin, fetch site, host, scheme, csrf sent, allowed
            (nil, nil, "127.0.0.1:8081", "http", csrf, true),
            ("http://127.0.0.1:8081", "same-origin", "127.0.0.1:8081", "http", csrf, true),
            ("https://dash.example.com", nil, "dash.example.com", "https", csrf, true),
            (nil, nil, "127.0.0.1:8081", "http", nil, false),
            (nil, nil, "127.0.0.1:8081", "http", "", false),
            (nil, nil, "127.0.0.1:8081", "http", String(repeating: "d", count: 64), false),
            (nil, nil, "127.0.0.1:8081", "http", String(csrf.dropLast()), false),
            ("http://evil.example", nil, "127.0.0.1:8081", "http", csrf, false),
            ("https://127.0.0.1:8081", nil, "127.0.0.1:8081", "http", csrf, false),
            ("http://dash.example.com", nil, "dash.example.com", "https", csrf, false),
            ("null", nil, "127.0.0.1:8081", "http", csrf, false),
            ("http://127.0.0.1:8081", nil, nil, "http", csrf, false),
            (nil, "cross-site", "127.0.0.1:8081", "http", csrf, false),
            (nil, "Cross-Site", "127.0.0.1:8081", "http", csrf, false),
            (nil, "same-site", "127.0.0.1:8081", "http", csrf, true),
        ] as [(String?, String?, String?, String, String?, Bool)])
    func refusal(
        _ origin: String?, _ site: String?, _ host: String?, _ scheme: String, _ sent: String?, _ allowed: Bool
    ) {
        let check = RequestGuard(origin: origin, fetchSite: site, host: host, scheme: scheme)
        let refusal = check.refusal(csrfSent: sent, expected: Self.csrf)
        #expect((refusal == nil) == allowed, "\(refusal ?? "allowed")")
        if let refusal { #expect(refusal.hasPrefix("refused: ") && !refusal.contains("\n")) }
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equal("abc", "abc"))
        #expect(!ConstantTime.equal("abc", "abd"))
        #expect(!ConstantTime.equal("abc", "abcd"))
        #expect(!ConstantTime.equal("", ""))
    }

    @Test func formBodies() {
        #expect(
            FormBody.parse("a=1&b=x+y&c=%3Cscript%3E&d=&e") == [
                "a": "1", "b": "x y", "c": "<script>", "d": "", "e": "",
            ])
        #expect(FormBody.parse("a=1&a=2") == ["a": "1"])
        #expect(FormBody.parse("a=%zz%4") == ["a": "%zz%4"])
        #expect(FormBody.parse("t=caf%C3%A9") == ["t": "café"])
    }

    @Test func cookies() {
        #expect(Site.cookie("dokuen_session", in: "a=1; dokuen_session=abc; b=2") == "abc")
        #expect(Site.cookie("dokuen_session", in: "dokuen_sessionx=abc") == nil)
        #expect(Site.cookie("dokuen_session", in: "") == nil)
    }

    @Test func sessionsEndWhenIdleOrRotated() async {
        let store = SessionStore(idleSeconds: 100)
        let token = String(repeating: "t", count: 64)
        let session = await store.open(token: token, now: 1000)
        #expect(session.id != session.csrf && session.id.count == 64)
        #expect(await store.find(session.id, currentToken: token, now: 1100)?.csrf == session.csrf)
        // Seen at 1100: idle until 1200 is fine, 1201 is not.
        #expect(await store.find(session.id, currentToken: token, now: 1200) != nil)
        #expect(await store.find(session.id, currentToken: token, now: 1301) == nil)
        #expect(await store.find(session.id, currentToken: token, now: 1302) == nil)
        let second = await store.open(token: token, now: 2000)
        #expect(await store.find(second.id, currentToken: String(repeating: "u", count: 64), now: 2001) == nil)
        #expect(await store.find(second.id, currentToken: token, now: 2002) == nil)
        let third = await store.open(token: token, now: 3000)
        await store.close(third.id)
        #expect(await store.find(third.id, currentToken: token, now: 3001) == nil)
    }
}
