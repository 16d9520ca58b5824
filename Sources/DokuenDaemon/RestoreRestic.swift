import DokuenAPI
import DokuenPosix

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// restic as a restore runs it (docs/BACKUP.md): the repository, the password from a 0600 file under `run/` (never on
/// a command line or in any environment but restic's), `-o` options, and the cache under `run/restic-cache`. Its
/// failures become one line each that says what is wrong: no repository there, a wrong password, no such snapshot.
struct RestoreRestic: Sendable {
    let repository: String
    let passwordFile: String
    let options: [String]
    let cacheDirectory: String
    /// restic's TMPDIR: inside the restore's own temporary directory under `run/`, so nothing lands outside the root.
    let temporaryDirectory: String

    static let executable = "/usr/bin/restic"

    /// The arguments every call starts with.
    var common: [String] {
        ["-r", repository, "--password-file", passwordFile, "--cache-dir", cacheDirectory, "--no-lock"]
            + options.flatMap { ["-o", $0] }
    }

    struct Snapshot: Decodable, Sendable {
        var id: String
        var time: String?
        var hostname: String?
    }

    /// The full id of `snapshot` (an id or a unique prefix), or of the latest snapshot tagged `dokuen` when nil.
    func resolve(_ snapshot: String?) async throws -> Snapshot {
        // `latest` with the tag: the newest of them all (`--latest 1` would give one per set of paths, and a platform's
        // paths change as apps come and go).
        let selection = snapshot.map { [$0] } ?? ["--tag", "dokuen", "latest"]
        let output = try await run(["snapshots", "--json"] + selection, timeout: .seconds(600))
        guard output.status == .exited(0) else { throw failure(output, snapshot: snapshot) }
        let json = output.lines.first { $0.hasPrefix("[") } ?? "[]"
        let found = (try? JSONDecoder().decode([Snapshot].self, from: Data(json.utf8))) ?? []
        guard let first = found.last else {
            throw APIError(
                .notFound,
                snapshot.map {
                    "unable to restore snapshot \($0) from \(repository): the repository has no such snapshot"
                }
                    ?? "unable to restore from \(repository): it has no snapshot tagged dokuen")
        }
        return first
    }

    /// Restores the whole snapshot `id` under `target`.
    func restore(_ id: String, into target: String) async throws {
        let output = try await run(["restore", id, "--target", target], timeout: .seconds(6 * 3600))
        guard output.status == .exited(0) else { throw failure(output, snapshot: id) }
    }

    private func run(_ arguments: [String], timeout: Duration) async throws -> AddonCommand.Output {
        guard Posix.canExecute(Self.executable) else {
            throw APIError(.unavailable, "unable to restore: restic is not installed (apt-get install restic)")
        }
        return try await AddonCommand.run(
            "restic", Self.executable, common + arguments,
            environment: environment,
            timeout: timeout)
    }

    /// restic's whole environment, as a backup's (`BackupRestic.environment`): nothing of dokuend's but HOME (ssh's
    /// known_hosts for an SFTP repository) and the cloud credentials restic reads from the environment.
    var environment: [String: String] {
        var environment = [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C.UTF-8", "TMPDIR": temporaryDirectory,
            "HOME": Posix.environment()["HOME"] ?? "/root",
        ]
        let prefixes = ["AWS_", "B2_", "AZURE_", "GOOGLE_", "OS_", "ST_", "RESTIC_REST_", "SSH_AUTH_SOCK"]
        for (key, value) in Posix.environment() where prefixes.contains(where: { key.hasPrefix($0) }) {
            environment[key] = value
        }
        return environment
    }

    /// restic's error as one line that names the repository and the cause.
    func failure(_ output: AddonCommand.Output, snapshot: String?) -> APIError {
        let text = output.text
        if text.contains("wrong password") {
            return APIError(.invalid, "unable to open repository \(repository): wrong password")
        }
        if text.contains("Is there a repository at the following location?")
            || text.contains("unable to open config file")
        {
            return APIError(.notFound, "unable to open repository \(repository): there is no restic repository there")
        }
        if text.contains("no matching ID found") || text.contains("no snapshot found") {
            return APIError(
                .notFound,
                "unable to restore snapshot \(snapshot ?? "latest") from \(repository): the repository has no such "
                    + "snapshot")
        }
        let last = output.lines.last { !$0.allSatisfy(\.isWhitespace) } ?? "\(output.status)"
        return APIError(.internal, "unable to read repository \(repository): restic: \(last)")
    }
}
