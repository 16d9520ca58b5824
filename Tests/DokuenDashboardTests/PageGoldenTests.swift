import DokuenAPI
import TestSupport
import Testing

@testable import DokuenDashboard

/// The pages people read, rendered from fixed answers of dokuend and pinned in Golden/ (`DOKUEN_UPDATE_GOLDEN=1`
/// re-records them). What came from users carries markup on purpose: a config value, a deploy's error, a cron
/// command and an event's detail holding `<script>` must come out escaped.
@Suite struct PageGoldenTests {
    static let directory = GoldenText.directory(#filePath, "Golden")
    static let now: Int64 = 1_790_000_000
    static let csrf = String(repeating: "c", count: 64)
    static let hostile = "<script>alert(\"x\")</script>&'"

    static let statuses = [
        InstanceStatus(
            app: "blog", type: "web", index: 1, release: "v3", state: "RUNNING", pid: 100, shimPID: 99, port: 20_001,
            since: now - 3725, restarts: 2, exit: nil, rssBytes: 12_582_912, cpuSeconds: 1.5),
        InstanceStatus(
            app: "blog", type: "worker", index: 1, release: "v3", state: "BACKOFF", pid: nil, shimPID: 98, port: nil,
            since: now - 5, restarts: 7, exit: "code 1", rssBytes: nil, cpuSeconds: nil),
    ]

    func check(_ name: String, _ page: String) throws {
        let mismatch = try GoldenText(directory: Self.directory, name: name).mismatch(page)
        #expect(mismatch == nil, "\(mismatch ?? "")")
        #expect(!page.contains("<script>alert"))
    }

    @Test func appPage() throws {
        var page = PageModels.AppPage(name: "blog")
        page.info = AppInfo(name: "blog", createdAt: Self.now - 86_400, release: "v3")
        page.statuses = Self.statuses
        page.formation = [
            FormationEntry(type: "web", count: 1, stopped: false, stoppedIndexes: []),
            FormationEntry(type: "worker", count: 2, stopped: false, stoppedIndexes: [2]),
        ]
        page.releases = [
            ReleaseEntry(
                version: "v3", createdAt: Self.now - 600, createdBy: "alice", description: "Deploy 1a2b3c4",
                build: "b3", buildpack: "python", commit: "1a2b3c4", current: true),
            ReleaseEntry(
                version: "v2", createdAt: Self.now - 7200, createdBy: "alice", description: "Set " + Self.hostile,
                build: "b2", buildpack: "python", commit: nil, current: false),
        ]
        page.deploys = [
            DeployOutcome(
                id: 4, app: "blog", state: "failed", release: nil, error: "build failed: " + Self.hostile,
                phase: "compile", source: "git push 1a2b3c4")
        ]
        page.configKeys = ["DATABASE_URL", "SECRET"]
        page.maintenance = MaintenanceInfo(app: "blog", on: false, page: "built-in", changed: false)
        page.domains = ["blog.example.com"]
        page.cron = [
            CronJobStatus(
                id: "0a1b2c3d", schedule: "@daily", command: "echo " + Self.hostile, zone: "UTC", next: nil,
                suspended: false, running: nil,
                last: CronRun(
                    trigger: "schedule", startedAt: Self.now - 60, durationMilliseconds: 5, exit: 0, signal: nil))
        ]
        page.problems = ["checks: unable to reach dokuend"]
        let html = Renderer().render("app", PageModels.app(page, csrf: Self.csrf, now: Self.now))
        try check("app.html", html)
        #expect(!html.contains("DATABASE_URL=") && html.contains("DATABASE_URL, SECRET"))
    }

    @Test func deployPageShowsItsOutputEscaped() throws {
        let deploy = DeployOutcome(
            id: 4, app: "blog", state: "failed", release: nil, error: "build failed: " + Self.hostile,
            phase: "compile", source: "git push 1a2b3c4")
        let output = """
            -----> Unpacking 2048 bytes into releases/20260921141320000000
            -----> Python app detected
                   echo \(Self.hostile)
             !     Push rejected

            """
        let html = Renderer().render("deploy", PageModels.deploy(deploy, output: output, csrf: Self.csrf))
        try check("deploy.html", html)
        #expect(html.contains("<pre class=\"log\">-----&gt; Unpacking 2048 bytes"))
        #expect(html.contains("echo &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"))
        let none = Renderer().render("deploy", PageModels.deploy(deploy, output: nil, csrf: Self.csrf))
        #expect(none.contains("No output was kept") && !none.contains("<pre"))
    }

    @Test func revealedConfigAndEvents() throws {
        let config = Renderer().render(
            "config", PageModels.config(app: "blog", values: ["SECRET": Self.hostile, "A": "1"], csrf: Self.csrf))
        try check("config.html", config)
        #expect(config.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"))
        let events = Renderer().render(
            "events",
            PageModels.events(
                [
                    EventEntry(
                        at: Self.now, actor: "dashboard (via dokuen)", app: "blog", action: "config.change",
                        detail: Self.hostile)
                ],
                csrf: Self.csrf))
        try check("events.html", events)
    }

    @Test func overviewAndTheRefreshShareTheirCells() throws {
        let html = Renderer().render(
            "overview",
            PageModels.overview(
                statuses: Self.statuses, apps: [AppInfo(name: "blog", createdAt: 0, release: "v3")], addons: [],
                csrf: Self.csrf, now: Self.now))
        try check("overview.html", html)
        let rows = PageModels.instanceRows(Self.statuses, now: Self.now, withApp: true)
        #expect(rows.map(\.key) == ["blog:web.1", "blog:worker.1"])
        #expect(rows[0].cells == ["blog web.1", "RUNNING", "100", "1h 2m", "2", "20001", "v3", "1.50 s", "12.0 MiB"])
        #expect(rows[1].cells[1] == "BACKOFF (code 1)")
    }

    @Test func formats() {
        #expect(PageModels.time(0) == "1970-01-01 00:00:00")
        #expect(PageModels.time(1_790_000_000) == "2026-09-21 14:13:20")
        #expect(PageModels.bytes(512) == "512 B" && PageModels.bytes(1536) == "1.5 KiB")
        #expect(PageModels.duration(90_061) == "1d 1h" && PageModels.duration(59) == "59s")
        #expect(PageModels.cpu(0.05) == "0.05 s")
    }
}
