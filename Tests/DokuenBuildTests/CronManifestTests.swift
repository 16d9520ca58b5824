import DokuenBuild
import DokuenCore
import Testing

/// app.json's `cron` (docs/CRON.md): jobs with stable ids, and every refusal naming the entry, its line and column.
struct CronManifestTests {
    func parse(_ text: String) throws(BuildError) -> CronManifest { try CronManifest.parse(Array(text.utf8)) }

    @Test func readsJobsWithStableIDsAndNotesUnusedKeys() throws {
        let manifest = try parse(
            """
            {"name": "blog", // a comment
             "cron": [{"command": "python manage.py clearsessions", "schedule": "0 3 * * *"},
                      {"command": "./bin/report", "schedule": "@hourly", "size": "basic"}]}
            """)
        #expect(manifest.jobs.map(\.command) == ["python manage.py clearsessions", "./bin/report"])
        #expect(manifest.jobs.map(\.schedule.text) == ["0 3 * * *", "@hourly"])
        #expect(manifest.jobs.allSatisfy { CronJob.isID($0.id) })
        #expect(
            manifest.jobs[0].id
                == (try CronJob(schedule: CronSchedule("0 3 * * *"), command: manifest.jobs[0].command)).id)
        #expect(manifest.jobs[0].id != manifest.jobs[1].id)
        #expect(manifest.notes == ["cron[1].size: not used by Dokuen; ignored"])
        #expect(try parse("{}") == CronManifest())
    }

    @Test(
        arguments: [
            (
                "{\"cron\": {}}",
                "app.json line 1, column 10: cron: expected a list of {\"command\", \"schedule\"} objects"
            ),
            (
                "{\"cron\": [{\"command\": \"x\", \"schedule\": \"61 * * * *\"}]}",
                "app.json line 1, column 40: cron[0].schedule: invalid cron schedule \"61 * * * *\": minute field \"61\": "
                    + "\"61\" is not a number from 0 to 59"
            ),
            (
                "{\"cron\": [{\"command\": \"x\", \"schedule\": \"* * *\"}]}",
                "app.json line 1, column 40: cron[0].schedule: invalid cron schedule \"* * *\": expected 5 fields "
                    + "(minute hour day-of-month month day-of-week), found 3"
            ),
            ("{\"cron\": [{\"schedule\": \"* * * * *\"}]}", "cron[0].command: expected a non-empty string"),
            ("{\"cron\": [{\"command\": \"x\", \"schedule\": 5}]}", "cron[0].schedule: expected a string"),
            ("{\"cron\": [\"x\"]}", "cron[0]: expected an object"),
            (
                "{\"cron\": [{\"command\": \"x\", \"schedule\": \"@daily\"}, {\"command\": \"x\", \"schedule\": \"@daily\"}]}",
                "cron[1]: the same schedule and command as cron[0]"
            ),
        ])
    func refusesWhatItCannotUse(_ text: String, _ message: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }
}
