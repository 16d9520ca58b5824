import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore
import Hummingbird

/// `POST /v1/apps/NAME/run`: dokuend runs a one-off command for a client that cannot become the app's user itself
/// (an admin who is not root, `run_command` over ssh; docs/ISOLATION.md). The command runs in the app's current
/// release with the environment `dokuen run` would give it, as the app's user, through the build's `StepRunner`
/// (its own session, stdin from /dev/null, no terminal, merged stdout and stderr). The answer streams as a deploy's
/// does: `{"line": …}` per line, then `{"exit": N}`, `{"signal": N}` or `{"error": …}` (`RunEvent`).
extension APIServer {
    /// How long a one-off command may run when the request names no timeout, and the longest it may ask for.
    static let runTimeoutDefault = 3600
    static let runTimeoutLimit = 86_400
    /// How often a silent run's stream carries `{}`, so that a client that left is noticed (within two of these).
    static let keepaliveSeconds = 15

    static func addRunRoutes(to v1: RouterGroup<DokuenContext>, store: Store, supervisor: InstanceSupervisor) {
        v1.post("apps/:app/run") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let body = try await request.decode(as: RunRequest.self, context: context)
            guard let program = body.command.first, !program.isEmpty else {
                throw APIError(.invalid, "unable to run a command in \(name): the command is empty")
            }
            let seconds = body.timeout ?? runTimeoutDefault
            guard (1...runTimeoutLimit).contains(seconds) else {
                throw APIError(
                    .invalid, "invalid timeout \(seconds): it is a whole number of seconds from 1 to \(runTimeoutLimit)"
                )
            }
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            let spec = try await supervisor.runSpec(for: name)
            let credentials = try await supervisor.accounts.credentials(name)
            // The program's name only: its arguments may hold a secret (a database URL).
            try await store.appendEvent(
                actor: await actor(request, context), app: name, action: "run",
                detail: Quoting.printable(program, limit: 100))
            let argv = ProcessCommand.oneOff(body.command)
            let step = BuildStep(
                label: "the command", executable: argv[0], arguments: Array(argv.dropFirst()),
                environment: spec.environment, workingDirectory: spec.directory, user: credentials,
                timeout: .seconds(seconds))
            let (events, sink) = AsyncStream<RunEvent>.makeStream()
            // A hangup is learned from a write that fails, and a silent command writes nothing: an empty event `{}`
            // goes out every `keepaliveSeconds` (clients skip it), until the run ends.
            let keepalive = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(keepaliveSeconds))
                    sink.yield(RunEvent())
                }
            }
            let run = Task {
                do {
                    switch try await StepRunner.run(step, onLine: { sink.yield(RunEvent(line: $0)) }) {
                    case .exited(let code): sink.yield(RunEvent(exit: code))
                    case .signaled(let signal): sink.yield(RunEvent(signal: signal))
                    }
                } catch {
                    sink.yield(
                        RunEvent(error: DaemonError.runFailed(app: name.rawValue, reason: "\(error)").description))
                }
                keepalive.cancel()
                sink.finish()
            }
            // A client that hangs up (a closed ssh session) stops the command, as a terminal's hangup would: the
            // runner stops its whole process group.
            return streaming(events) {
                run.cancel()
                keepalive.cancel()
            }
        }
    }
}
