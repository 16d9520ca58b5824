import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore
import DokuenThreads
import Foundation
import Synchronization

/// dokuend's backups (docs/BACKUP.md): `init`, `create` (one restic snapshot of the whole platform, in format 1),
/// `list`, `check` and `forget`. One of `init`, `create` and `forget` runs at a time: another is refused while one
/// runs (the schedule skips a run then, and says so), so two never fight over the staging directory or restic's
/// exclusive lock. Every `create` is recorded (`backup_runs`) with its `backup.create` event.
public actor BackupRunner {
    let layout: RootLayout
    let store: Store
    let addons: AddonSupervisor?
    /// nil: no `--backup-repo`; every verb is refused, naming the options.
    let settings: BackupSettings?
    /// dokuend's command line after its name, recorded in manifest.json.
    let daemonArguments: [String]
    /// The git user, whose `~/.ssh/authorized_keys` is in a snapshot when its home is the root.
    let gitUser: String
    /// What runs now and since when, nil when nothing does.
    private(set) var busy: (what: String, since: Int64)?

    public init(
        layout: RootLayout, store: Store, addons: AddonSupervisor?, settings: BackupSettings?,
        daemonArguments: [String], gitUser: String = "dokuen"
    ) {
        self.layout = layout
        self.store = store
        self.addons = addons
        self.settings = settings
        self.daemonArguments = daemonArguments
        self.gitUser = gitUser
    }

    /// The refusal when no repository is configured.
    static let notConfigured =
        "no backup repository is configured: start dokuend with --backup-repo REPO --backup-password-file FILE "
        + "(docs/BACKUP.md, Setup)"

    /// Whether a repository is configured.
    public nonisolated var isConfigured: Bool { settings != nil }

    func restic() throws -> BackupRestic {
        guard let settings else { throw APIError(.unavailable, Self.notConfigured) }
        return try BackupRestic(settings: settings, layout: layout)
    }

    /// Removes what a backup cut short by dokuend's death left (at dokuend's start).
    public nonisolated func removeLeftovers() { BackupStaging(layout: layout).removeLeftovers(atStart: true) }

    /// Marks `what` (a backup, a check…) as running, or refuses `verb` while another runs; no await between the
    /// check and the mark.
    private func begin(_ verb: String, _ what: String) throws {
        if let busy {
            throw APIError(
                .conflict,
                "unable to \(verb): \(busy.what) is running since \(UTCTime.text(busy.since)); one backup verb runs "
                    + "at a time, try again when it ends")
        }
        busy = (what, Int64(Date().timeIntervalSince1970))
    }

    private func end() { busy = nil }

    // MARK: - init

    /// `restic init`: creates the repository, refused when it exists already.
    public func initialize(actor: String) async throws -> String {
        let restic = try restic()
        try begin("create the repository", "a repository init")
        defer { end() }
        let repository = restic.settings.repository
        let config = try await restic.run(["cat", "config"], label: "restic cat config", timeout: .seconds(600))
        if config.status == .exited(0) {
            throw APIError(.conflict, "unable to create repository \(repository): it exists already")
        }
        if config.lines.contains(where: { $0.contains("wrong password or no key found") }) {
            throw APIError(
                .conflict, "unable to create repository \(repository): it exists already (with another password)")
        }
        let output = try await restic.run(["init"], label: "restic init", timeout: .seconds(600))
        guard output.status == .exited(0) else {
            if output.lines.contains(where: { $0.contains("already exists") || $0.contains("already initialized") }) {
                throw APIError(.conflict, "unable to create repository \(repository): it exists already")
            }
            throw restic.failure("create repository \(repository)", output)
        }
        try await store.appendEvent(actor: actor, app: nil, action: "backup.init", detail: repository)
        return repository
    }

    // MARK: - create

    /// Takes one snapshot (docs/BACKUP.md, "The snapshot (format 1)") and records the run; `onLine` sees progress.
    public func create(
        trigger: String, withBuilds: Bool, actor: String, onLine: @escaping @Sendable (String) -> Void
    ) async throws -> BackupSummary {
        let restic = try restic()
        try begin("back up", "a backup")
        defer { end() }
        let startedAt = Int64(Date().timeIntervalSince1970)
        let clock = ContinuousClock.now
        let runID = try await store.startBackupRun(trigger: trigger, startedAt: startedAt)
        do {
            let summary = try await snapshot(restic, withBuilds: withBuilds, onLine: onLine)
            try await store.finishBackupRun(
                id: runID, actor: actor, durationMilliseconds: (ContinuousClock.now - clock).milliseconds,
                snapshotID: summary.snapshotID, totalBytes: summary.totalBytes, dataAdded: summary.dataAdded,
                error: nil,
                detail: "ok: snapshot \(summary.shortID), \(ByteSize.text(summary.totalBytes)), "
                    + "\(ByteSize.text(summary.dataAdded)) added" + (withBuilds ? ", with builds" : "")
                    + (trigger == "schedule" ? " (schedule)" : ""))
            return summary
        } catch {
            let message = APIServer.message(for: error)
            try? await store.finishBackupRun(
                id: runID, actor: actor, durationMilliseconds: (ContinuousClock.now - clock).milliseconds,
                snapshotID: nil, totalBytes: nil, dataAdded: nil, error: message,
                detail: "failed: " + message + (trigger == "schedule" ? " (schedule)" : ""))
            throw error
        }
    }

    /// The work of `create`: stage, run restic, always remove the staging directory.
    private func snapshot(
        _ restic: BackupRestic, withBuilds: Bool, onLine: @escaping @Sendable (String) -> Void
    ) async throws -> BackupSummary {
        let staging = BackupStaging(layout: layout)
        staging.removeLeftovers()
        onLine("opening repository \(restic.settings.repository)")
        try await restic.open(verb: "back up")
        try staging.create()
        defer { staging.removeLeftovers() }
        var warnings: [String] = []
        let warn: @Sendable (String) -> Void = { onLine("warning: " + $0) }

        // The store, through SQLite's online backup API on the store's own connection.
        onLine("copying the store (SQLite online backup)")
        let storeCopy = try staging.path("dokuen.sqlite")
        try await store.copyDatabase(to: storeCopy)
        try Posix.chmod(storeCopy, 0o600)

        var paths = ["backup"]
        var excludes: [String] = []
        var apps: [BackupManifest.App] = []
        for record in try await store.apps() {
            let name = record.name
            let appPaths = layout.app(name)
            let relative = "apps/\(name)"
            for (path, part) in [
                (appPaths.env, "env"), (appPaths.repository, "repo.git"), (appPaths.data, "data"),
                (appPaths.tls, "tls"),
            ] {
                guard let info = try? Posix.lstat(path) else { continue }
                paths.append(relative + "/" + part)
                // env and tls are symlinks to a generation beside them (env.gN, .tls-…), swapped whole: both go.
                if info.kind == .symlink, let target = try? Posix.readlink(path), !target.contains("/"),
                    target != ".", target != "..", Posix.isDirectory(appPaths.directory + "/" + target)
                {
                    paths.append(relative + "/" + target)
                }
            }
            var copies: [String] = []
            for database in BackupStaging.sqliteDatabases(in: appPaths.data) {
                onLine("copying \(name)'s SQLite database data/\(database) (online backup)")
                let source = appPaths.data + "/" + database
                let target = try staging.path("data/\(name)/\(database)")
                do {
                    try await BlockingThread.run("dokuen-backup-sqlite") { () -> Result<Void, StoreError> in
                        do throws(StoreError) {
                            try Store.copyDatabase(at: source, to: target)
                            return .success(())
                        } catch { return .failure(error) }
                    }.get()
                    try Posix.chmod(target, 0o600)
                } catch {
                    // A file with SQLite's header that SQLite cannot read (damaged, encrypted) is taken live.
                    try? Posix.unlink(target)
                    let line = "unable to copy \(name)'s data/\(database) through SQLite: \(error); taken as a file"
                    warnings.append(line)
                    warn(line)
                    continue
                }
                copies.append(database)
                if let patterns = BackupStaging.excludePatterns(source) { excludes += patterns }
            }
            if withBuilds {
                var stamps: Set<String> = []
                for release in try await store.releases(app: name) {
                    let stamp = release.buildStamp.description
                    guard !stamps.contains(stamp), Posix.isDirectory(appPaths.build(release.buildStamp)) else {
                        continue
                    }
                    stamps.insert(stamp)
                    paths.append(relative + "/releases/" + stamp)
                }
            }
            let release = try await store.latestRelease(app: name)
            var commit: String?
            if let release { commit = try? await store.build(app: name, id: release.buildID).commit }
            apps.append(
                BackupManifest.App(
                    name: name.rawValue, release: release?.id.number, commit: commit, sqliteCopies: copies))
        }

        var addonEntries: [BackupManifest.Addon] = []
        for record in try await store.addons() {
            let addonPaths = AddonPaths(layout: layout, name: record.name)
            // Settings and the secret: every top-level file but the server's data, sockets, scratch and logs.
            let skipped: Set<String> = ["data", "data.new", "data.old", "run", "tmp", "logs"]
            for entry in ((try? Posix.listDirectory(addonPaths.directory)) ?? []).sorted()
            where !skipped.contains(entry) {
                paths.append("addons/\(record.name)/\(entry)")
            }
            var dumps: [BackupManifest.Dump] = []
            if let addons {
                let databases: [AppName?] =
                    record.kind == .postgres ? try await store.addonLinks(addon: record.name).map(\.app) : [nil]
                for database in databases {
                    let file = database.map { "\($0).dump" } ?? "redis.rdb"
                    onLine("dumping add-on \(record.name)" + (database.map { " (database \($0))" } ?? ""))
                    do {
                        let dumped = try await addons.dump(record.name, database: database?.rawValue)
                        let relative = "addons/\(record.name)/\(file)"
                        let target = try staging.path(relative)
                        do { try Posix.rename(dumped, target) } catch {
                            try? Posix.unlink(dumped)
                            throw error
                        }
                        try Posix.chmod(target, 0o600)
                        dumps.append(BackupManifest.Dump(database: database?.rawValue, path: "backup/" + relative))
                    } catch {
                        let line = "no dump of add-on \(record.name): \(APIServer.message(for: error))"
                        warnings.append(line)
                        warn(line)
                    }
                }
            }
            addonEntries.append(
                BackupManifest.Addon(
                    name: record.name.rawValue, kind: record.kind.rawValue, version: record.version, dumps: dumps))
        }

        if Posix.isDirectory(layout.buildpacksDirectory) { paths.append("buildpacks") }
        if let home = UserEntry.named(gitUser)?.home, home == layout.root,
            (try? Posix.lstat(layout.root + "/.ssh/authorized_keys")) != nil
        {
            paths.append(".ssh/authorized_keys")
        }

        let hostname = Self.hostname()
        let manifest = BackupManifest(
            createdAt: Self.isoTime(Int64(Date().timeIntervalSince1970)), dokuenVersion: DokuenVersion.current,
            hostname: hostname, root: layout.root, schemaVersion: Store.schemaVersion, withBuilds: withBuilds,
            daemonArguments: daemonArguments, apps: apps, addons: addonEntries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write(
            Array(try encoder.encode(manifest)) + [10], to: try staging.path("manifest.json"), mode: 0o600)

        var arguments = ["backup", "--json", "--tag", "dokuen", "--host", hostname]
        if !excludes.isEmpty {
            let excludeFile = restic.temporaryDirectory + "/excludes"
            try Posix.mkdir(restic.temporaryDirectory, mode: 0o700, existingOK: true)
            try AtomicFile.write(Array((excludes.joined(separator: "\n") + "\n").utf8), to: excludeFile, mode: 0o600)
            arguments += ["--exclude-file", excludeFile]
        }
        onLine("restic backup of \(paths.count) paths")
        let summaryBox = SummaryBox()
        let progress = BackupProgress(onLine: onLine)
        let output = try await restic.run(arguments + ["--"] + paths, label: "restic backup") { line in
            guard let message = ResticBackupMessage.decode(line) else {
                onLine("restic: " + line)
                return
            }
            switch message.messageType {
            case "summary": summaryBox.set(message)
            case "status": progress.status(message)
            case "error": onLine("restic: error: \(message.error?.message ?? "?") \(message.item ?? "")")
            default: break
            }
        }
        // Exit 3: the snapshot was made, but some files could not be read (restic's documented code).
        guard output.status == .exited(0) || output.status == .exited(3), let summary = summaryBox.value,
            let short = summary.snapshotID
        else {
            throw restic.failure("back up", output)
        }
        if output.status == .exited(3) {
            let line = "restic could not read some files; the snapshot lacks them (see the lines above)"
            warnings.append(line)
            warn(line)
        }
        let full = (try? await restic.snapshots().first { $0.id.hasPrefix(short) }?.id) ?? short
        return BackupSummary(
            snapshotID: full, shortID: String(full.prefix(8)), filesNew: summary.filesNew ?? 0,
            filesChanged: summary.filesChanged ?? 0, filesUnmodified: summary.filesUnmodified ?? 0,
            dataAdded: summary.dataAdded ?? 0, totalBytes: summary.totalBytesProcessed ?? 0,
            totalFiles: summary.totalFilesProcessed ?? 0, durationSeconds: summary.totalDuration ?? 0,
            withBuilds: withBuilds, warnings: warnings)
    }

    // MARK: - list, check, forget

    /// The snapshots of the repository (dokuen's, `--tag dokuen`), oldest first, with the sizes this daemon
    /// recorded when it took them.
    public func list() async throws -> [BackupSnapshot] {
        let restic = try restic()
        let snapshots = try await restic.snapshots()
        var sizes: [String: BackupRunRecord] = [:]
        for run in try await store.backupRuns(limit: Store.backupRunsKept) {
            if let id = run.snapshotID { sizes[id] = run }
        }
        return snapshots.map { snapshot in
            BackupSnapshot(
                id: snapshot.id, shortID: snapshot.shortID, time: snapshot.time, host: snapshot.hostname,
                tags: snapshot.tags ?? [], totalBytes: sizes[snapshot.id]?.totalBytes,
                dataAdded: sizes[snapshot.id]?.dataAdded)
        }
    }

    /// `restic check`, its output to `onLine`; returns how restic exited.
    public func check(actor: String, onLine: @escaping @Sendable (String) -> Void) async throws -> ExitStatus {
        let restic = try restic()
        try begin("check the repository", "a check")
        defer { end() }
        try await restic.open(verb: "check the repository")
        let output = try await restic.run(["check"], label: "restic check", onLine: onLine)
        try? await store.appendEvent(
            actor: actor, app: nil, action: "backup.check",
            detail: output.status == .exited(0) ? "ok" : "failed: restic \(output.status)")
        return output.status
    }

    /// `restic forget` with `policy`'s flags over this host's dokuen snapshots (grouped by host, so that a snapshot
    /// holding another set of apps is in the same series), `--prune` when asked; the kept set is compared with
    /// `RetentionPolicy`'s reading of the same flags.
    public func forget(_ policy: RetentionPolicy, prune: Bool, actor: String) async throws -> BackupForgetResult {
        guard !policy.isEmpty else {
            throw APIError(
                .invalid,
                "unable to forget snapshots: give at least one of --keep-last, --keep-daily, --keep-weekly, "
                    + "--keep-monthly")
        }
        let restic = try restic()
        try begin("forget snapshots", "a forget")
        defer { end() }
        try await restic.open(verb: "forget snapshots")
        let host = Self.hostname()
        let before = try await restic.snapshots(host: host)
        let expected = try policy.kept(before.map { RetentionPolicy.Snapshot(id: $0.id, time: $0.time) })
        var arguments = ["forget", "--tag", "dokuen", "--host", host, "--group-by", "host"] + policy.resticFlags
        if prune { arguments.append("--prune") }
        let output = try await restic.run(arguments, label: "restic forget")
        guard output.status == .exited(0) else { throw restic.failure("forget snapshots", output) }
        let after = try await restic.snapshots(host: host)
        let kept = Set(after.map(\.id))
        let agrees = kept == expected
        if !agrees {
            DaemonLog.error(
                "backup",
                "restic forget kept \(kept.count) snapshots where dokuen's reading of the flags keeps "
                    + "\(expected.count)")
        }
        let removed = before.filter { !kept.contains($0.id) }.map(\.shortID)
        try? await store.appendEvent(
            actor: actor, app: nil, action: "backup.forget",
            detail: "\(policy.resticFlags.joined(separator: " "))\(prune ? " --prune" : ""): kept \(kept.count), "
                + "removed \(removed.count)")
        return BackupForgetResult(kept: after.map(\.shortID), removed: removed, agrees: agrees, pruned: prune)
    }

    // MARK: - Helpers

    /// The host name restic records (Go's os.Hostname reads the kernel's).
    static func hostname() -> String {
        let bytes = (try? Posix.readFile("/proc/sys/kernel/hostname")) ?? []
        let name = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? "localhost" : name
    }

    /// `2026-12-05T03:00:00Z`.
    static func isoTime(_ seconds: Int64) -> String {
        UTCTime.text(seconds).replacingOccurrences(of: " UTC", with: "Z").replacingOccurrences(of: " ", with: "T")
    }
}

/// The summary line of a restic run, set from its output thread.
final class SummaryBox: Sendable {
    private let storage = Mutex<ResticBackupMessage?>(nil)
    func set(_ message: ResticBackupMessage) { storage.withLock { $0 = message } }
    var value: ResticBackupMessage? { storage.withLock { $0 } }
}

/// Turns restic's status lines into progress lines, at most one a second and one per whole percent.
final class BackupProgress: Sendable {
    private let onLine: @Sendable (String) -> Void
    private let last = Mutex<(percent: Int, at: ContinuousClock.Instant?)>((-1, nil))

    init(onLine: @escaping @Sendable (String) -> Void) { self.onLine = onLine }

    func status(_ message: ResticBackupMessage) {
        FaultHook.reached(FaultHook.backupRestic)
        // Before restic's scanner has counted anything, a status says nothing worth a line.
        guard (message.totalFiles ?? 0) > 0 else { return }
        let percent = Int((message.percentDone ?? 0) * 100)
        let now = ContinuousClock.now
        let due = last.withLock { last -> Bool in
            guard percent != last.percent, last.at.map({ now - $0 >= .seconds(1) }) ?? true else { return false }
            last = (percent, now)
            return true
        }
        guard due else { return }
        let files = "\(message.filesDone ?? 0) of \(message.totalFiles ?? 0) files"
        let bytes = "\(ByteSize.text(message.bytesDone ?? 0)) of \(ByteSize.text(message.totalBytes ?? 0))"
        onLine("restic: \(percent)% (\(files), \(bytes))")
    }
}
