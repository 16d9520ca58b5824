import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import Foundation

/// restic as dokuend runs it (docs/BACKUP.md): the repository, the password file (`--password-file`, never the
/// password itself on a command line or in an environment), the `-o` options, the cache in `ROOT/run/restic-cache`
/// and temporary files in `ROOT/run/restic-tmp`, both 0700. Each run goes through `StepRunner` (its own session, a
/// deadline, output line by line) and dies with dokuend (PR_SET_PDEATHSIG on its keeper and on restic), so a
/// `kill -9` of dokuend leaves no restic running; the lock it leaves is stale, and `unlock` before the next run
/// removes it (restic removes only stale locks).
struct BackupRestic: Sendable {
    let settings: BackupSettings
    let layout: RootLayout
    let binary: String

    /// Where restic is looked for: Debian's package, then a hand-installed one.
    static let candidates = ["/usr/bin/restic", "/usr/local/bin/restic", "/bin/restic"]

    init(settings: BackupSettings, layout: RootLayout) throws {
        guard let binary = Self.candidates.first(where: { Posix.isExecutableFile($0) }) else {
            throw APIError(
                .unavailable,
                "unable to back up: restic is not installed (Debian: apt-get install restic; looked in "
                    + Self.candidates.joined(separator: ", ") + ")")
        }
        self.settings = settings
        self.layout = layout
        self.binary = binary
    }

    var cacheDirectory: String { layout.runDirectory + "/restic-cache" }
    var temporaryDirectory: String { layout.runDirectory + "/restic-tmp" }

    /// What every restic command starts with.
    var globalArguments: [String] {
        ["-r", settings.repository, "--password-file", settings.passwordFile, "--cache-dir", cacheDirectory]
            + settings.options.flatMap { ["-o", $0] }
    }

    /// restic's whole environment: nothing of dokuend's but a few names (HOME for ssh's known_hosts, the cloud
    /// credentials restic reads from the environment: AWS_*, B2_*, AZURE_*, GOOGLE_*, OS_*, ST_*, RESTIC_REST_*).
    var environment: [String: String] {
        var environment = [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C.UTF-8", "TMPDIR": temporaryDirectory,
            "RESTIC_PROGRESS_FPS": "2", "HOME": Posix.environment()["HOME"] ?? "/root",
        ]
        let prefixes = ["AWS_", "B2_", "AZURE_", "GOOGLE_", "OS_", "ST_", "RESTIC_REST_", "SSH_AUTH_SOCK"]
        for (key, value) in Posix.environment() where prefixes.contains(where: { key.hasPrefix($0) }) {
            environment[key] = value
        }
        return environment
    }

    /// The result of one restic command: how it exited and its output (every line, or the last 200).
    struct Output: Sendable {
        var status: ExitStatus
        var lines: [String]
    }

    /// Runs `restic GLOBAL… arguments` in `directory` (default: the root) and returns its output; `onLine` sees each
    /// line as it comes.
    func run(
        _ arguments: [String], label: String, timeout: Duration = .seconds(86_400), directory: String? = nil,
        onLine: (@Sendable (String) -> Void)? = nil
    ) async throws -> Output {
        for path in [cacheDirectory, temporaryDirectory] {
            try Posix.mkdir(path, mode: 0o700, existingOK: true)
            try Posix.chmod(path, 0o700)
        }
        let collector = LineCollector(keepingLast: 2000)
        var step = BuildStep(
            label: label, executable: binary, arguments: globalArguments + arguments, environment: environment,
            workingDirectory: directory ?? layout.root, timeout: timeout, grace: .seconds(10))
        step.dieWithParent = true
        let status = try await StepRunner.run(step) { line in
            collector.add(line)
            onLine?(line)
        }
        return Output(status: status, lines: collector.lines)
    }

    /// restic's own words for the two errors people make, turned into dokuen's (docs/BACKUP.md, Errors); any other
    /// failure names the command, its exit and its last line.
    func failure(_ verb: String, _ output: Output) -> APIError {
        let text = output.lines.joined(separator: "\n")
        let repository = settings.repository
        if text.contains("unable to open config file") || text.contains("Is there a repository at the following") {
            return APIError(
                .unavailable, "repository \(repository) does not exist; dokuen backup init creates it")
        }
        if text.contains("wrong password or no key found") {
            return APIError(.unavailable, "wrong password for repository \(repository)")
        }
        let last = output.lines.last { line in
            !line.hasPrefix("{") && !line.trimmingCharacters(in: .whitespaces).isEmpty
        }
        return APIError(
            .internal,
            "unable to \(verb): restic \(output.status)" + (last.map { ": " + Quoting.printable($0, limit: 300) } ?? "")
        )
    }

    /// Checks that the repository exists and the password opens it (`restic cat config`), then removes the locks
    /// that a restic killed with dokuend left (`restic unlock`: stale ones only).
    func open(verb: String) async throws {
        let config = try await run(["cat", "config"], label: "restic cat config", timeout: .seconds(600))
        guard config.status == .exited(0) else { throw failure(verb, config) }
        let unlock = try await run(["unlock"], label: "restic unlock", timeout: .seconds(600))
        guard unlock.status == .exited(0) else { throw failure(verb, unlock) }
    }

    /// The snapshots dokuend took (`--tag dokuen`), oldest first, as `restic snapshots --json` lists them.
    func snapshots(host: String? = nil) async throws -> [ResticSnapshot] {
        var arguments = ["snapshots", "--json", "--tag", "dokuen"]
        if let host { arguments += ["--host", host] }
        let output = try await run(arguments, label: "restic snapshots", timeout: .seconds(600))
        guard output.status == .exited(0) else { throw failure("list the snapshots", output) }
        guard let line = output.lines.first(where: { $0.hasPrefix("[") }) else { return [] }
        do {
            return try JSONDecoder().decode([ResticSnapshot].self, from: Data(line.utf8))
        } catch {
            throw APIError(.internal, "unable to list the snapshots: restic's answer did not decode: \(error)")
        }
    }
}

/// One entry of `restic snapshots --json`.
struct ResticSnapshot: Decodable, Sendable {
    let id: String
    let shortID: String
    let time: String
    let hostname: String
    let tags: [String]?

    enum CodingKeys: String, CodingKey {
        case id, time, hostname, tags
        case shortID = "short_id"
    }
}

/// One JSON line of `restic backup --json`: a `status` (progress) or the `summary` at the end.
struct ResticBackupMessage: Decodable, Sendable {
    let messageType: String
    let percentDone: Double?
    let totalFiles: Int64?
    let filesDone: Int64?
    let totalBytes: Int64?
    let bytesDone: Int64?
    let filesNew: Int64?
    let filesChanged: Int64?
    let filesUnmodified: Int64?
    let dataAdded: Int64?
    let totalFilesProcessed: Int64?
    let totalBytesProcessed: Int64?
    let totalDuration: Double?
    let snapshotID: String?
    let error: ResticError?
    let item: String?

    struct ResticError: Decodable, Sendable {
        let message: String?
    }

    enum CodingKeys: String, CodingKey {
        case messageType = "message_type"
        case percentDone = "percent_done"
        case totalFiles = "total_files"
        case filesDone = "files_done"
        case totalBytes = "total_bytes"
        case bytesDone = "bytes_done"
        case filesNew = "files_new"
        case filesChanged = "files_changed"
        case filesUnmodified = "files_unmodified"
        case dataAdded = "data_added"
        case totalFilesProcessed = "total_files_processed"
        case totalBytesProcessed = "total_bytes_processed"
        case totalDuration = "total_duration"
        case snapshotID = "snapshot_id"
        case error, item
    }

    static func decode(_ line: String) -> ResticBackupMessage? {
        guard line.hasPrefix("{") else { return nil }
        return try? JSONDecoder().decode(ResticBackupMessage.self, from: Data(line.utf8))
    }
}
