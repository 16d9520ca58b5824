import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenSupervision

/// `dokuen deploy APP DIR|TARBALL`: sends a directory (as a tarball) or a tarball to dokuend, which makes a build
/// and a release of it.
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy", abstract: "Deploy a directory or a tarball, as a git push would.",
        discussion: """
            Prints each step as it happens and returns once the new release is up (its instances ready, the old \
            ones stopped) or has failed (exit 1; what was serving keeps serving). While another deploy of the app \
            runs (or a restart, rollback, config or settings change), it waits its turn and says so; a stop, start \
            or ps scale meanwhile takes effect at once and the release honours it. Each Procfile type runs one instance after a first deploy. With --json, the \
            output is NDJSON: {"line": …} per line, then {"release": "vN"} or {"error": …}.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Argument(help: "A directory, or a .tar file.") var source: String

    func validate() throws {
        do { _ = try AppName(app) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let release = try Self.stream(tarball: try Self.tarball(of: source), to: app, commit: nil, options: options)
        if release == nil { throw ExitCode.failure }
    }

    /// Sends `tarball` to dokuend's deploy API and prints each step as it arrives (the NDJSON events as they are,
    /// with --json). Returns the release that is up, or nil when the deploy failed (the error is printed: on
    /// stderr as `dokuen: error: …`, or in the JSON). Shared by `deploy` and the git hook.
    static func stream(
        tarball: [UInt8], to app: String, commit: String?, push: (repository: String, ref: String, old: String)? = nil,
        options: GlobalOptions,
        failure: (String) -> Void = { message in
            Posix.writeToStandardError("dokuen: error: " + message + "\n")
        }
    ) throws -> String? {
        let client = try DaemonClient(options)
        var lines = LineSplitter()
        var outcome: DeployEvent?
        var deployID: Int64?
        var query = commit.map { ["commit=" + $0] } ?? []
        if let push {
            query += [
                "repository=" + percentEncoded(push.repository), "ref=" + percentEncoded(push.ref), "old=" + push.old,
            ]
        }
        let path = "/v1/apps/\(app)/deploys" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let response: UnixHTTPClient.Response
        do {
            response = try client.client.stream(
                "POST", path, body: tarball,
                headers: DaemonClient.actorHeaders.merging(["Content-Type": "application/x-tar"]) { $1 }
            ) { chunk in
                for line in lines.feed(chunk) {
                    guard let event = try? decodeJSON(DeployEvent.self, line) else { continue }
                    if let id = event.deploy { deployID = id }
                    if options.json {
                        print(String(decoding: line, as: UTF8.self))
                    } else if let line = event.line {
                        print(line)
                    }
                    Posix.flushOutput()  // each step shows as it happens, also through a pipe
                    if event.release != nil || event.error != nil { outcome = event }
                }
            }
        } catch let error as APIClientError {
            // dokuend went away mid-answer (a crash, an upgrade): it ends the deploy at its next start.
            guard let deployID, outcome == nil else { throw error }
            return try ended(deployID, app: app, client: client, options: options, failure: failure)
        }
        guard (200..<300).contains(response.status) else {
            throw CLIError(answer: response.body, status: response.status)
        }
        if let error = outcome?.error {
            if !options.json { failure(error) }
            return nil
        }
        guard let release = outcome?.release else {
            if let deployID { return try ended(deployID, app: app, client: client, options: options, failure: failure) }
            throw CLIError(
                message: "the connection to dokuend ended before the deploy did; see dokuen events \(app)")
        }
        return release
    }

    /// How deploy `id` ended, when its stream stopped before its last event. A restarted dokuend ends every deploy
    /// it finds running from its recorded phase before it answers again (docs/FAULTS.md), so the answer is the
    /// truth: a release recorded before the crash is up, and the push or deploy succeeds. While dokuend is away,
    /// each change in its run directory (the socket bound, the pid file written once it answers) is the cue to ask
    /// again, for up to `restartDeadline`.
    static func ended(
        _ id: Int64, app: String, client: DaemonClient, options: GlobalOptions, failure: (String) -> Void
    ) throws -> String? {
        let socket = client.client.socketPath
        let runDirectory = String(socket[..<(socket.lastIndex(of: "/") ?? socket.startIndex)])
        let watcher = try? Inotify()
        _ = try? watcher?.watchDirectory(runDirectory.isEmpty ? "." : runDirectory)
        let deadline = ContinuousClock.now + restartDeadline
        let answer: DeployOutcome
        while true {
            do {
                answer = try client.call("GET", "/v1/apps/\(app)/deploys/\(id)", as: DeployOutcome.self)
                break
            } catch let error as APIClientError {
                // Refused: nobody listens yet. Reset: the dying dokuend's socket took the connection.
                switch error {
                case .cannotConnect, .connectionFailed: break
                case .badResponse: throw error
                }
                let left = deadline - ContinuousClock.now
                guard left > .zero, let watcher else {
                    throw CLIError(
                        message: "unable to learn how deploy \(id) of \(app) ended: dokuend went away during it and "
                            + "did not answer again within \(restartDeadline.components.seconds) s; see dokuen events "
                            + app)
                }
                let (seconds, attoseconds) = left.components
                _ = try watcher.waitForChange(
                    milliseconds: Int32(min(seconds * 1000 + attoseconds / 1_000_000_000_000_000, 60_000)))
            }
        }
        switch answer.state {
        case "succeeded":
            let release = answer.release ?? "the new release"
            if options.json {
                print(String(decoding: try encodeJSON(DeployEvent(release: release)), as: UTF8.self))
            } else {
                print("-----> dokuend restarted during the deploy; deploy \(id) ended as succeeded: \(release) is up")
            }
            Posix.flushOutput()
            return release
        case "failed":
            let message =
                "dokuend restarted during the deploy; deploy \(id) ended as failed: \(answer.error ?? "no reason recorded")"
            if options.json {
                print(String(decoding: try encodeJSON(DeployEvent(error: message)), as: UTF8.self))
            } else {
                failure(message)
            }
            return nil
        default:
            throw CLIError(
                message: "the connection to dokuend ended while deploy \(id) of \(app) still runs; see dokuen events "
                    + app)
        }
    }

    /// How long a client waits for dokuend to come back after it went away during a deploy: a systemd restart
    /// (`RestartSec`) and a start that re-adopts every shim fit in it.
    static let restartDeadline = Duration.seconds(120)

    /// The bytes of a tarball: the file itself, or `tar -c` of a directory.
    static func tarball(of source: String) throws -> [UInt8] {
        guard Posix.isDirectory(source) else { return try Posix.readFile(source) }
        let scratch = try Posix.makeTemporaryDirectory(prefix: "/tmp/dokuen-deploy-")
        defer { try? Posix.removeTree(scratch) }
        let null = try Posix.open("/dev/null", .readWrite)
        defer { Posix.close(null) }
        let tar = try ChildProcess.spawn(
            "/bin/tar", arguments: ["-c", "-f", scratch + "/source.tar", "-C", source, "--exclude=.git", "."],
            environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"], stdin: null, stdout: null, stderr: 2)
        guard try tar.wait() == .exited(0) else { throw CLIError(message: "unable to pack \(source) with tar") }
        return try Posix.readFile(scratch + "/source.tar")
    }
}
