import DokuenPosix
import TestSupport
import Testing

/// The dashboard's doors, over real HTTP (curl) against a real dokuend with `--dashboard` (docs/DASHBOARD.md): no
/// session, a wrong token, the cookie's flags, a POST without the CSRF token or from another origin, `/metrics`
/// without its bearer token, a rotation that ends the session, and that no API route answers on TCP.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DashboardTests {
    /// One HTTP exchange through curl: status, headers (names lower-cased; the last of a repeated name) and body.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func http(
        _ method: String, _ url: String, headers: [String: String] = [:], form: String? = nil, in temp: String
    ) throws -> Answer {
        var arguments = ["-sS", "--max-time", "20", "-X", method, "-D", temp + "/head", "-o", temp + "/body"]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        if let form { arguments += ["--data-raw", form] }
        let result = try runProgram("/usr/bin/curl", arguments + [url], deadlineSeconds: 30)
        guard result.status == .exited(0) else { throw ProgramRunError(description: "curl: \(result.standardError)") }
        let head = String(decoding: try Posix.readFile(temp + "/head"), as: UTF8.self)
        var lines = head.split(separator: "\r\n")
        let status = Int(lines.removeFirst().split(separator: " ")[1]) ?? 0
        var fields: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        return Answer(
            status: status, headers: fields, body: String(decoding: try Posix.readFile(temp + "/body"), as: UTF8.self))
    }

    /// The CSRF token a page carries (`data-csrf="…"` on its body).
    static func csrf(_ page: String) -> String? {
        guard let start = page.firstRange(of: "data-csrf=\"") else { return nil }
        return String(page[start.upperBound...].prefix { $0 != "\"" })
    }

    @Test func sessionsCookiesCSRFAndOriginsAreChecked() throws {
        let port = freeTCPPort()
        let daemon = try DaemonHarness(label: "dash", options: ["--dashboard", "127.0.0.1:\(port)"])
        defer { daemon.stop() }
        let temp = daemon.temp.path
        let base = "http://127.0.0.1:\(port)"
        #expect(try daemon.dokuen(["apps", "create", "dashdoors"]).status == .exited(0))

        // No session: a page sends the browser to the sign-in page; the JSON and an action answer 401.
        let anonymous = try Self.http("GET", base + "/", in: temp)
        #expect(anonymous.status == 303 && anonymous.headers["location"] == "/signin")
        #expect(try Self.http("GET", base + "/status.json", in: temp).status == 401)
        #expect(try Self.http("POST", base + "/apps/dashdoors/restart", form: "csrf=x", in: temp).status == 401)
        let signin = try Self.http("GET", base + "/signin", in: temp)
        #expect(signin.status == 200 && signin.body.contains("name=\"token\""))
        #expect(signin.headers["content-security-policy"]?.contains("script-src 'self'") == true)
        // Nothing of the API is on TCP.
        #expect(try Self.http("GET", base + "/v1/apps", in: temp).status == 404)
        #expect(try Self.http("GET", base + "/v1/dashboard/token", in: temp).status == 404)

        // The token, made by the first ask, 64 hex digits in a 0600 file.
        let printed = try daemon.dokuen(["dashboard", "token"])
        #expect(printed.status == .exited(0), "\(printed.standardError)")
        let token = String(printed.standardOutput.prefix { $0 != "\n" })
        #expect(token.count == 64)
        #expect(try daemon.dokuen(["dashboard", "token"]).standardOutput == printed.standardOutput)
        #expect(try #require(try Posix.lstat(daemon.root + "/dashboard/token")).permissions & 0o777 == 0o600)

        // A wrong token is refused, and so is a sign-in from another site.
        let wrong = try Self.http(
            "POST", base + "/signin", form: "token=" + String(repeating: "0", count: 64), in: temp)
        #expect(wrong.status == 401 && wrong.headers["set-cookie"] == nil)
        let foreignSignIn = try Self.http(
            "POST", base + "/signin", headers: ["Origin": "http://evil.example"], form: "token=\(token)", in: temp)
        #expect(foreignSignIn.status == 403 && foreignSignIn.headers["set-cookie"] == nil)

        // The right token: a session cookie, HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP.
        let signedIn = try Self.http(
            "POST", base + "/signin", headers: ["Origin": base], form: "token=\(token)", in: temp)
        #expect(signedIn.status == 303 && signedIn.headers["location"] == "/")
        let cookie = signedIn.headers["set-cookie"] ?? ""
        #expect(cookie.hasPrefix("dokuen_session="))
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] { #expect(cookie.contains(flag), "\(cookie)") }
        #expect(!cookie.contains("Secure"))
        let session = String(cookie.prefix { $0 != ";" })
        let overview = try Self.http("GET", base + "/", headers: ["Cookie": session], in: temp)
        #expect(overview.status == 200 && overview.body.contains("dashdoors"))
        let csrf = try #require(Self.csrf(overview.body))
        #expect(csrf.count == 64)

        // Over TLS (nginx on loopback says so), the cookie is Secure.
        let overTLS = try Self.http(
            "POST", base + "/signin", headers: ["X-Forwarded-Proto": "https"], form: "token=\(token)", in: temp)
        #expect(overTLS.headers["set-cookie"]?.contains("; Secure") == true)

        // A POST without the CSRF token, with a wrong one, from another origin or another site: 403, and nothing
        // happened (no event of the dashboard).
        let cases: [([String: String], String)] = [
            (["Cookie": session], "target="),
            (["Cookie": session], "csrf=" + String(repeating: "a", count: 64)),
            (["Cookie": session, "Origin": "http://evil.example"], "csrf=\(csrf)"),
            (["Cookie": session, "Origin": "https://127.0.0.1:\(port)"], "csrf=\(csrf)"),
            (["Cookie": session, "Sec-Fetch-Site": "cross-site"], "csrf=\(csrf)"),
        ]
        for (headers, form) in cases {
            let refused = try Self.http(
                "POST", base + "/apps/dashdoors/maintenance", headers: headers, form: form + "&on=1", in: temp)
            #expect(refused.status == 403, "\(headers) \(form): \(refused.status) \(refused.body)")
        }
        let events = try daemon.dokuen(["events", "dashdoors"]).standardOutput
        #expect(!events.contains("dashboard"), "\(events)")

        // With the token and its own origin, an action goes through, as "dashboard (via USER)" in the event log.
        let accepted = try Self.http(
            "POST", base + "/apps/dashdoors/maintenance",
            headers: ["Cookie": session, "Origin": base, "Accept": "application/json", "X-CSRF-Token": csrf],
            form: "on=1", in: temp)
        #expect(accepted.status == 200, "\(accepted.body)")
        #expect(try daemon.dokuen(["events", "dashdoors"]).standardOutput.contains("dashboard (via "))

        // /metrics: its own bearer token; the sign-in token and a session are not it.
        #expect(try Self.http("GET", base + "/metrics", in: temp).status == 401)
        #expect(try Self.http("GET", base + "/metrics", headers: ["Cookie": session], in: temp).status == 401)
        #expect(
            try Self.http("GET", base + "/metrics", headers: ["Authorization": "Bearer \(token)"], in: temp).status
                == 401)
        let metricsToken = try String(
            daemon.dokuen(["dashboard", "token", "--metrics"]).standardOutput
                .prefix { $0 != "\n" })
        #expect(metricsToken.count == 64 && metricsToken != token)
        let scraped = try Self.http(
            "GET", base + "/metrics", headers: ["Authorization": "Bearer \(metricsToken)"], in: temp)
        #expect(scraped.status != 401)

        // Sign-out ends the session; a rotation ends every other.
        let other = try Self.http("POST", base + "/signin", form: "token=\(token)", in: temp)
        let otherSession = String((other.headers["set-cookie"] ?? "").prefix { $0 != ";" })
        let signedOut = try Self.http(
            "POST", base + "/signout", headers: ["Cookie": session], form: "csrf=\(csrf)", in: temp)
        #expect(signedOut.status == 303 && signedOut.headers["set-cookie"]?.contains("Max-Age=0") == true)
        #expect(try Self.http("GET", base + "/", headers: ["Cookie": session], in: temp).status == 303)
        #expect(try Self.http("GET", base + "/", headers: ["Cookie": otherSession], in: temp).status == 200)
        let rotated = try daemon.dokuen(["dashboard", "token", "--rotate"]).standardOutput
        #expect(rotated.count == 65 && rotated != printed.standardOutput)
        #expect(try Self.http("GET", base + "/", headers: ["Cookie": otherSession], in: temp).status == 303)

        // A second dokuend (another root) cannot take the same address: one line that names the dashboard.
        let second = try runProgram(
            daemon.bin + "/dokuend",
            [
                "--root", daemon.temp("root2"), "--nginx", "off", "--ports", daemon.ports, "--dashboard",
                "127.0.0.1:\(port)",
            ],
            environment: ["PATH": "/usr/bin:/bin", "HOME": temp], deadlineSeconds: 60)
        #expect(second.status == .exited(1))
        #expect(
            second.standardError.hasSuffix(
                "dokuend: error: unable to serve the dashboard on 127.0.0.1:\(port): "
                    + "bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)\n"),
            "\(second.standardError)")
    }

    @Test func aBadDashboardAddressStopsDokuendWithOneLine() throws {
        let temp = try TemporaryDirectory("dash-bad")
        defer { temp.remove() }
        for (address, reason) in [
            ("8081", "it is HOST:PORT"), ("example.com:8081", "not a name to look up"),
            ("127.0.0.1:0", "from 1 to 65535"), ("127.0.0.1:99999", "from 1 to 65535"), ("[::1:8081", "[ADDRESS]:PORT"),
        ] {
            let result = try runProgram(
                builtProductsDirectory() + "/dokuend", ["--root", temp("root"), "--dashboard", address],
                environment: ["PATH": "/usr/bin:/bin", "HOME": temp.path], deadlineSeconds: 30)
            #expect(result.status == .exited(64), "\(address)")
            #expect(result.standardError.contains("invalid --dashboard \"\(address)\": "), "\(result.standardError)")
            #expect(result.standardError.contains(reason), "\(result.standardError)")
        }
    }
}
