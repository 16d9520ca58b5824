import DokuenBuild
import DokuenPosix

/// Runs one of an add-on's tools (initdb, psql, pg_isready, redis-server --version) to its end through
/// `StepRunner` (a keeper spawn, its own session, a deadline) and collects its output.
enum AddonCommand {
    struct Output: Sendable {
        var status: ExitStatus
        var lines: [String]
        var text: String { lines.joined(separator: "\n") }
    }

    static func run(
        _ label: String, _ executable: String, _ arguments: [String],
        environment: [String: String] = [
            "PATH": AddonServer.environmentPath, "LC_ALL": "C.UTF-8",
        ], directory: String? = nil, user: ChildProcess.Credentials? = nil, timeout: Duration = .seconds(60),
        dieWithParent: Bool = false
    ) async throws -> Output {
        let collector = LineCollector(keepingLast: 200)
        var step = BuildStep(
            label: label, executable: executable, arguments: arguments, environment: environment,
            workingDirectory: directory, user: user, timeout: timeout, grace: .seconds(5))
        step.dieWithParent = dieWithParent
        let status = try await StepRunner.run(step, onLine: collector.add)
        return Output(status: status, lines: collector.lines)
    }
}
