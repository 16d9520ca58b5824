import DokuenAPI
import DokuenCore

/// The values the templates show, made from dokuend's answers: plain functions of wire values and the time, so that
/// a page can be rendered from fixed input in a test (its golden file). Every text that came from a user (a config
/// value, a log line, a deploy's error, a command) goes to the template as it is: the template escapes it.
enum PageModels {
    /// One row of an instance table: its key (`APP:TYPE.N`), and the cells in the columns' order. The page and the
    /// JSON refresh (`/status.json`) use the same cells, so a refresh shows what a reload would.
    struct InstanceRow: Codable, Equatable, Sendable {
        var key: String
        var cells: [String]
        /// `TYPE.N`, the target of the row's actions.
        var target: String
    }

    static func instanceRows(_ statuses: [InstanceStatus], now: Int64, withApp: Bool) -> [InstanceRow] {
        statuses.sorted { ($0.app, $0.type, $0.index) < ($1.app, $1.type, $1.index) }.map { status in
            let target = "\(status.type).\(status.index)"
            var state = status.state
            // How it last ended, beside a state that is not RUNNING (after a restart, RUNNING says enough).
            if let exit = status.exit, !exit.isEmpty, status.state != "RUNNING" { state += " (\(exit))" }
            return InstanceRow(
                key: "\(status.app):\(target)",
                cells: [
                    withApp ? "\(status.app) \(target)" : target, state, status.pid.map(String.init) ?? "–",
                    duration(now - status.since),
                    String(status.restarts), status.port.map(String.init) ?? "–", status.release,
                    status.cpuSeconds.map { cpu($0) } ?? "–", status.rssBytes.map { bytes(Int64($0)) } ?? "–",
                ], target: target)
        }
    }

    /// `3d 4h`, `2h 5m`, `4m 10s`, `12s`.
    static func duration(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        if s >= 86_400 { return "\(s / 86_400)d \(s % 86_400 / 3600)h" }
        if s >= 3600 { return "\(s / 3600)h \(s % 3600 / 60)m" }
        if s >= 60 { return "\(s / 60)m \(s % 60)s" }
        return "\(s)s"
    }

    /// `1.25 s`: CPU seconds with two decimals.
    static func cpu(_ seconds: Double) -> String {
        let hundredths = Int64((seconds * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
    }

    /// `512 B`, `3.4 KiB`, `12.0 MiB`, `1.2 GiB`: `ByteSize`'s units, with a table cell's short `B`.
    static func bytes(_ count: Int64) -> String {
        count < 1024 ? "\(count) B" : ByteSize.text(count)
    }

    /// `2026-11-22 05:36:13` (UTC) from Unix seconds: `UTCTime`'s text without its zone, to fit a table cell.
    static func time(_ seconds: Int64) -> String {
        String(UTCTime.text(seconds).dropLast(" UTC".count))
    }

    /// The instance table's part of a page's values.
    static func instanceTable(_ rows: [InstanceRow], app: String?, csrf: String, actions: Bool) -> [String: Any] {
        var values: [String: Any] = [
            "instances": rows.map { ["key": $0.key, "cells": $0.cells, "target": $0.target] as [String: Any] },
            "actions": actions, "csrf": csrf,
        ]
        if let app { values["app"] = app }
        return values
    }

    static func overview(
        statuses: [InstanceStatus], apps: [AppInfo], addons: [AddonInfo], csrf: String, now: Int64
    ) -> [String: Any] {
        var values = instanceTable(
            instanceRows(statuses, now: now, withApp: true), app: nil, csrf: csrf, actions: false)
        values["apps"] = apps.map { ["name": $0.name, "release": $0.release ?? "not deployed"] }
        values["addons"] = addons.map { addon in
            [
                "name": addon.name, "kind": addon.kind, "version": addon.version, "state": addon.state,
                "port": String(addon.port), "restarts": String(addon.restarts),
                "links": addon.links.map(\.app).joined(separator: ", "),
            ]
        }
        return values
    }

    /// What one app's page shows; `problems` names the parts dokuend could not give (each a line of the page).
    struct AppPage: Sendable {
        var name: String
        var info: AppInfo?
        var statuses: [InstanceStatus] = []
        var formation: [FormationEntry] = []
        var releases: [ReleaseEntry] = []
        var deploys: [DeployOutcome] = []
        var configKeys: [String] = []
        var maintenance: MaintenanceInfo?
        var domains: [String] = []
        var certificate: CertificateInfo?
        var checks: ChecksReport?
        var cron: [CronJobStatus] = []
        var problems: [String] = []
    }

    static func app(_ page: AppPage, csrf: String, now: Int64) -> [String: Any] {
        var values = instanceTable(
            instanceRows(page.statuses, now: now, withApp: false), app: page.name, csrf: csrf, actions: true)
        values["appName"] = page.name
        values["release"] = page.info?.release ?? "none yet"
        values["formation"] = page.formation.map { "\($0.type)=\($0.count)" }.joined(separator: " ")
        let stopped =
            page.formation.filter { $0.stopped }.map(\.type)
            + page.formation.flatMap { entry in entry.stoppedIndexes.map { "\(entry.type).\($0)" } }
        values["stopped"] = stopped.isEmpty ? "none" : stopped.joined(separator: ", ")
        values["releases"] = page.releases.map { release in
            [
                "version": release.version, "current": release.current, "when": time(release.createdAt),
                "by": release.createdBy, "description": release.description,
            ] as [String: Any]
        }
        values["deploys"] = page.deploys.map { deploy in
            var outcome = deploy.error ?? ""
            if let phase = deploy.phase, !phase.isEmpty { outcome = outcome.isEmpty ? phase : "\(phase): \(outcome)" }
            return [
                "id": String(deploy.id), "state": deploy.state, "release": deploy.release ?? "–",
                "source": deploy.source ?? "–", "outcome": outcome,
            ]
        }
        values["configCount"] = String(page.configKeys.count)
        values["configKeys"] = page.configKeys.isEmpty ? "none" : page.configKeys.joined(separator: ", ")
        let on = page.maintenance?.on ?? false
        values["maintenanceOn"] = on
        values["maintenance"] =
            on
            ? "In maintenance: nginx answers 503 with \(page.maintenance?.page ?? "its page")." : "Not in maintenance."
        values["domains"] = page.domains
        values["certificate"] = certificateLine(page.certificate, now: now)
        if let checks = page.checks {
            values["checksSummary"] =
                (checks.zeroDowntime ? "Zero-downtime checks on" : "Zero-downtime checks off")
                + " (from \(checks.source))"
            values["checks"] =
                checks.checks.map { check in
                    check.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                } + checks.notes + (checks.liveness ?? []).map { "liveness: \($0)" }
        } else {
            values["checksSummary"] = "Checks unknown."
        }
        values["cron"] = page.cron.map { job in
            var last = "never"
            if let run = job.last {
                last = "\(time(run.startedAt)) (\(run.trigger))"
                if let exit = run.exit { last += ", exit \(exit)" }
                if let signal = run.signal { last += ", signal \(signal)" }
            }
            if job.running != nil { last = "running now; before: " + last }
            if job.suspended { last += "; suspended" }
            return ["id": job.id, "schedule": job.schedule, "command": job.command, "last": last]
        }
        values["problems"] = page.problems
        return values
    }

    /// One deploy's page: how it ended, and its output as `dokuen deploy` printed it (nil: none was kept).
    static func deploy(_ deploy: DeployOutcome, output: String?, csrf: String) -> [String: Any] {
        var values: [String: Any] = [
            "appName": deploy.app, "id": String(deploy.id), "state": deploy.state, "release": deploy.release ?? "–",
            "source": deploy.source ?? "–", "csrf": csrf,
        ]
        if let error = deploy.error { values["error"] = error }
        if let phase = deploy.phase, !phase.isEmpty { values["phase"] = phase }
        if let output { values["output"] = output.isEmpty ? "(no output)" : output }
        return values
    }

    static func certificateLine(_ info: CertificateInfo?, now: Int64) -> String {
        guard let info else { return "Certificate unknown." }
        guard info.installed else { return "No certificate installed." }
        var line = "Certificate"
        if let subject = info.subject { line += " for \(subject)" }
        if let issuer = info.issuer { line += " from \(issuer)" }
        if let notAfter = info.notAfter {
            let days = (notAfter - now) / 86_400
            line += ", expires \(time(notAfter)) UTC (\(days) days)"
        }
        return line + (info.served ? ", served." : ", not served (routing off).")
    }

    static func config(app: String, values config: [String: String], csrf: String) -> [String: Any] {
        [
            "appName": app, "csrf": csrf,
            "config": config.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] },
        ]
    }

    static func logs(app: String, types: [String], selected: String?, csrf: String) -> [String: Any] {
        var values: [String: Any] = [
            "appName": app, "csrf": csrf,
            "types": types.map { ["name": $0, "selected": $0 == selected] as [String: Any] },
        ]
        if let selected { values["type"] = selected }
        return values
    }

    static func events(_ events: [EventEntry], csrf: String) -> [String: Any] {
        [
            "csrf": csrf,
            "events": events.map { event in
                [
                    "when": time(event.at), "actor": event.actor, "app": event.app ?? "", "action": event.action,
                    "detail": event.detail,
                ]
            },
        ]
    }
}
