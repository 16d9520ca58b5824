import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix

/// What a push expects of its repository: `ref` still at `old` once its deploy holds the app's lock. Two pushes at
/// once both deploy in pre-receive, before git moves the ref; the second waits for the first, and then its ref
/// update would fail, leaving its release serving while the branch names the other commit. Checking after the
/// wait refuses it first, so the branch and the release always agree.
public struct PushGuard: Sendable {
    let repository: String
    let ref: String
    let old: String

    /// Validated: an absolute path to a `.git` directory, a branch ref, a full commit id (zeros: a new branch).
    init(repository: String, ref: String, old: String) throws {
        guard repository.hasPrefix("/"), repository.hasSuffix(".git"), !repository.contains("/../"),
            !repository.utf8.contains(0), Posix.isDirectory(repository)
        else {
            throw APIError(.invalid, "invalid repository \(Quoting.quoted(repository)): not a .git directory")
        }
        let branch = ref.dropFirst("refs/heads/".count)
        guard ref.hasPrefix("refs/heads/"), !branch.isEmpty, !branch.contains(".."),
            branch.utf8.allSatisfy({ Self.isRefByte($0) })
        else { throw APIError(.invalid, "invalid ref \(Quoting.quoted(ref)): it must be refs/heads/NAME") }
        guard [40, 64].contains(old.utf8.count), old.utf8.allSatisfy({ Self.isHex($0) }) else {
            throw APIError(.invalid, "invalid commit id \(Quoting.quoted(old)): it must be 40 or 64 hex digits")
        }
        self.repository = repository
        self.ref = ref
        self.old = old
    }

    static func isHex(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (97...102).contains(byte) }

    static func isRefByte(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 46
            || byte == 47 || byte == 95
    }

    /// Throws when the ref moved since the push began.
    func check(app: AppName) async throws {
        let now = try await current()
        let expected = old.utf8.allSatisfy { $0 == 48 } ? nil : old
        guard now != expected else { return }
        let branch = ref.dropFirst("refs/heads/".count)
        throw DaemonError.deployFailed(
            app: app.rawValue,
            reason: "\(branch) moved to \(now.map { String($0.prefix(7)) } ?? "nothing") while this push waited; "
                + "fetch, merge and push again")
    }

    /// The ref's commit now, nil when it does not exist. dokuend may be root and the repository another user's:
    /// safe.directory on the command line (a protected scope) trusts this one repository.
    private func current() async throws -> String? {
        let output = LineCollector()
        let status = try await StepRunner.run(
            BuildStep(
                label: "git rev-parse", executable: "/usr/bin/git",
                arguments: [
                    "-c", "safe.directory=" + repository, "--git-dir", repository, "rev-parse", "--verify", "--quiet",
                    ref,
                ],
                environment: ["PATH": InstanceEnvironment.defaultPath, "LC_ALL": "C"], timeout: .seconds(30)),
            onLine: output.add)
        return status == .exited(0) ? output.lines.first : nil
    }
}
