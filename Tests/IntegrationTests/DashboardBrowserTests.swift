import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// The dashboard in a real headless Chromium, driven through chromedriver's WebDriver protocol (W3C WebDriver, plain
/// HTTP + JSON, sent with curl): sign in, see two apps' instances, restart one and watch its state change in the
/// same page (no reload), follow a log line the app writes, roll back, sign out. Screenshots of the main pages go to
/// `.build/screenshots/` (out of git). Waits in the page use a MutationObserver: they end when the DOM changes.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(
        if: which("chromedriver") != nil && which("chromium") != nil, "needs Debian's chromium and chromium-driver"))
struct DashboardBrowserTests {
    /// A WebDriver session of a chromedriver started for the test.
    final class Browser {
        let driver: BackgroundProgram
        let base: String
        var session = ""
        let scratch: String

        init(temp: String) throws {
            let port = freeTCPPort()
            base = "http://127.0.0.1:\(port)"
            scratch = temp
            driver = try BackgroundProgram(
                which("chromedriver")!, ["--port=\(port)"], environment: ["PATH": "/usr/bin:/bin", "HOME": temp])
            // chromedriver announces nothing the test could await; curl retries the connection until it listens.
            _ = try runProgram(
                "/usr/bin/curl",
                ["-sS", "--retry", "30", "--retry-connrefused", "--retry-delay", "1", base + "/status"],
                deadlineSeconds: 60)
            // Root needs --no-sandbox; a phone's width; prompts (confirm) left for the test to accept.
            let capabilities: [String: Any] = [
                "capabilities": [
                    "alwaysMatch": [
                        "browserName": "chrome", "unhandledPromptBehavior": "ignore",
                        "goog:chromeOptions": [
                            "binary": which("chromium")!,
                            "args": [
                                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                "--window-size=412,1400", "--user-data-dir=\(temp)/chromium-profile",
                            ],
                        ],
                    ]
                ]
            ]
            let answer = try command("POST", "/session", capabilities)
            session = ((answer as? [String: Any])?["sessionId"] as? String) ?? ""
            guard !session.isEmpty else { throw ProgramRunError(description: "no WebDriver session: \(answer ?? "")") }
            _ = try command("POST", "/session/\(session)/timeouts", ["script": 30_000, "pageLoad": 30_000])
        }

        /// One WebDriver command; its `value`.
        @discardableResult
        func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
            var arguments = ["-sS", "--max-time", "60", "-X", method, "-H", "Content-Type: application/json"]
            if let body {
                try AtomicFile.write(
                    Array(try JSONSerialization.data(withJSONObject: body)), to: scratch + "/webdriver.json")
                arguments += ["--data-binary", "@" + scratch + "/webdriver.json"]
            }
            let result = try runProgram("/usr/bin/curl", arguments + [base + path], deadlineSeconds: 90)
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any]
            if let error = (json?["value"] as? [String: Any])?["error"] as? String {
                throw ProgramRunError(description: "WebDriver \(method) \(path): \(error): \(json?["value"] ?? "")")
            }
            return json?["value"]
        }

        func open(_ url: String) throws { try command("POST", "/session/\(session)/url", ["url": url]) }

        func element(_ css: String) throws -> String {
            let value = try command("POST", "/session/\(session)/element", ["using": "css selector", "value": css])
            return ((value as? [String: Any])?["element-6066-11e4-a52e-4f735466cecf"] as? String) ?? ""
        }

        func click(_ css: String) throws {
            try command("POST", "/session/\(session)/element/\(try element(css))/click", [:])
        }

        func type(_ css: String, _ text: String) throws {
            try command("POST", "/session/\(session)/element/\(try element(css))/value", ["text": text])
        }

        /// Runs `script` in the page; its result.
        func run(_ script: String, _ arguments: [Any] = []) throws -> Any? {
            try command("POST", "/session/\(session)/execute/sync", ["script": script, "args": arguments])
        }

        /// Waits in the page until `condition` (a JavaScript expression) is true, re-checked at each change of the
        /// DOM; false after about 25 s. A navigation (a form, a reload) ends the page the wait ran in: the wait
        /// starts again in the new one.
        func waitUntil(_ condition: String) throws -> Bool {
            let script = """
                var done = arguments[arguments.length - 1];
                function ok() { try { return Boolean(\(condition)); } catch (e) { return false; } }
                if (ok()) { done(true); return; }
                var observer = new MutationObserver(function () { if (ok()) { observer.disconnect(); done(true); } });
                observer.observe(document.documentElement, { subtree: true, childList: true, characterData: true });
                setTimeout(function () { observer.disconnect(); done(ok()); }, 5000);
                """
            var failure = ""
            for _ in 0..<5 {
                do {
                    let answer = try command(
                        "POST", "/session/\(session)/execute/async", ["script": script, "args": []])
                    if answer as? Bool == true { return true }
                } catch {
                    failure = "\(error)"
                }
            }
            if !failure.isEmpty { Issue.record("waiting for \(condition): \(failure.prefix(300))") }
            return false
        }

        /// Accepts the page's `confirm`, once it is open (the click that opens it returns first; no event says when).
        func acceptConfirm() throws {
            let pause = try NotifySocket(path: scratch + "/pause-\(Int.random(in: 0..<1_000_000))")
            for _ in 0..<100 {
                if (try? command("GET", "/session/\(session)/alert/text")) != nil {
                    try command("POST", "/session/\(session)/alert/accept", [:])
                    return
                }
                _ = try pause.receive(milliseconds: 100)
            }
            throw ProgramRunError(description: "no confirm dialog opened")
        }

        func screenshot(_ name: String) throws {
            let base64 = try command("GET", "/session/\(session)/screenshot") as? String ?? ""
            let directory = builtProductsDirectory() + "/../../screenshots"
            try Posix.mkdir(directory, existingOK: true)
            try AtomicFile.write(Array(Data(base64Encoded: base64) ?? Data()), to: directory + "/\(name).png")
        }

        func stop() {
            if !session.isEmpty { _ = try? command("DELETE", "/session/\(session)") }
            driver.stop()
        }
    }

    static let procfile = """
        web: exec python3 -m http.server $PORT --bind 127.0.0.1
        worker: echo '<script>document.title="owned"</script> worker up'; exec sleep 100000

        """

    @Test func signInRestartFollowRollBackSignOut() throws {
        let port = freeTCPPort()
        let daemon = try DaemonHarness(label: "dash-browser", options: ["--dashboard", "127.0.0.1:\(port)"])
        defer { daemon.stop() }
        let site = "http://127.0.0.1:\(port)"
        for app in ["dashbrowsa", "dashbrowsb"] {
            #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
            try Posix.mkdir(daemon.temp("src-\(app)"))
            try AtomicFile.write(Array(Self.procfile.utf8), to: daemon.temp("src-\(app)/Procfile"))
            let deployed = try daemon.dokuen(["deploy", app, daemon.temp("src-\(app)")], deadlineSeconds: 120)
            #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        }
        #expect(try daemon.dokuen(["ps", "scale", "dashbrowsa", "worker=1"]).status == .exited(0))
        #expect(try daemon.dokuen(["config", "set", "dashbrowsa", "GREETING=hi"]).status == .exited(0))
        try daemon.waitUntil("both apps run") { statuses in
            statuses.filter { $0.state == "RUNNING" }.count == 3
                && statuses.contains { $0.app == "dashbrowsa" && $0.release == "v2" && $0.type == "worker" }
        }
        let token = String(try daemon.dokuen(["dashboard", "token"]).standardOutput.prefix { $0 != "\n" })

        let browser = try Browser(temp: daemon.temp.path)
        defer { browser.stop() }
        // Sign in.
        try browser.open(site + "/")
        #expect(try browser.run("return location.pathname") as? String == "/signin")
        try browser.screenshot("signin")
        try browser.type("#token", token)
        try browser.click("#signin")
        let signedIn = try browser.waitUntil("location.pathname === '/' && document.querySelector('table.instances')")
        let where_ = try browser.run("return location.href + ' ' + document.body.innerText") ?? ""
        #expect(signedIn, "\(where_)")
        // Both apps' instances.
        #expect(try browser.waitUntil("document.querySelector('tr[data-key=\"dashbrowsb:web.1\"]')"))
        let table = try browser.run("return document.querySelector('table.instances').innerText") as? String ?? ""
        #expect(table.contains("dashbrowsa web.1") && table.contains("dashbrowsb web.1"), "\(table)")
        try browser.screenshot("overview")

        // Restart dashbrowsa's web.1 from its page and watch its row change, without a reload.
        try browser.open(site + "/apps/dashbrowsa")
        let pidCell = "document.querySelector('tr[data-key=\"dashbrowsa:web.1\"]').children[2].textContent"
        let stateCell = "document.querySelector('tr[data-key=\"dashbrowsa:web.1\"]').children[1].textContent"
        let before = try browser.run("return \(pidCell)") as? String ?? ""
        #expect(Int(before) != nil, "\(before)")
        _ = try browser.run("window.notReloaded = true")
        try browser.click("tr[data-key=\"dashbrowsa:web.1\"] button.restart")
        let restarted = try browser.waitUntil(
            "\(pidCell) !== '\(before)' && \(stateCell) === 'RUNNING' && \(pidCell) !== '–'")
        let row = try browser.run("return document.querySelector('tr[data-key=\"dashbrowsa:web.1\"]').innerText") ?? ""
        let status = try daemon.dokuen(["status"]).standardOutput
        #expect(restarted, "before \(before), now \(row); \(status)")
        #expect(try browser.run("return window.notReloaded === true") as? Bool == true)
        #expect(
            try browser.run("return document.querySelector('.live').textContent") as? String
                == "Restarting dashbrowsa:web.1.")
        try browser.screenshot("app")

        // Follow the logs: the worker's line holding <script> shows as text, and a line the web process writes
        // after the page opened appears.
        try browser.open(site + "/apps/dashbrowsa/logs")
        #expect(try browser.waitUntil("document.getElementById('log').textContent.includes('worker up')"))
        #expect(try browser.run("return document.querySelector('#log script') === null") as? Bool == true)
        let logText = try browser.run("return document.getElementById('log').textContent") as? String ?? ""
        #expect(logText.contains("<script>document.title=\"owned\"</script>"), "\(logText)")
        #expect(try browser.run("return document.title") as? String != "owned")
        let web = try #require(try daemon.statuses().first { $0.app == "dashbrowsa" && $0.type == "web" }?.port)
        _ = try runProgram("/usr/bin/curl", ["-sS", "--max-time", "10", "http://127.0.0.1:\(web)/dash-marker"])
        #expect(try browser.waitUntil("document.getElementById('log').textContent.includes('GET /dash-marker')"))
        try browser.screenshot("logs")

        // Roll back to v1, after the confirmation: the page shows the new release once it is up.
        try browser.open(site + "/apps/dashbrowsa")
        // Wide enough for the releases table: a click lands where the button shows.
        try browser.command("POST", "/session/\(browser.session)/window/rect", ["width": 1280, "height": 1400])
        try browser.click("button.rollback[data-release=\"v1\"]")
        try browser.acceptConfirm()
        #expect(try browser.waitUntil("document.body.textContent.includes('v3 (current)')"))
        try browser.screenshot("rolled-back")
        try browser.open(site + "/events")
        #expect(try browser.waitUntil("document.body.textContent.includes('dashboard (via ')"))
        try browser.screenshot("events")

        // Sign out: back to the sign-in page, and the pages are closed again.
        try browser.click("#signout")
        #expect(try browser.waitUntil("location.pathname === '/signin'"))
        try browser.open(site + "/apps/dashbrowsa")
        #expect(try browser.run("return location.pathname") as? String == "/signin")
    }
}
