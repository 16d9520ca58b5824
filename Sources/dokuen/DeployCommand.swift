import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix

#if canImport(Glibc)
    import Glibc
#endif

/// `dokuen deploy APP DIR|TARBALL`: sends a directory (as a tarball) or a tarball to dokuend, which makes a build
/// and a release of it.
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy", abstract: "Deploy a directory or a tarball that holds a Procfile.",
        discussion: "Until buildpacks arrive, the Procfile is the build: each type runs one instance by default.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Argument(help: "A directory, or a .tar file.") var source: String

    func validate() throws {
        do { _ = try AppName(app) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let tarball = try Self.tarball(of: source)
        let client = try DaemonClient(options)
        var lines = LineSplitter()
        var outcome: DeployEvent?
        let response = try client.client.stream(
            "POST", "/v1/apps/\(app)/deploys", body: tarball,
            headers: DaemonClient.actorHeaders.merging(["Content-Type": "application/x-tar"]) { $1 }
        ) { chunk in
            for line in lines.feed(chunk) {
                guard let event = try? decodeJSON(DeployEvent.self, line) else { continue }
                if options.json {
                    print(String(decoding: line, as: UTF8.self))
                } else if let step = event.step {
                    print("-----> " + step)
                }
                fflush(nil)  // each step shows as it happens, also through a pipe
                if event.release != nil || event.error != nil { outcome = event }
            }
        }
        guard (200..<300).contains(response.status) else {
            throw DaemonError(
                message: (try? decodeJSON(ErrorBody.self, response.body).error)
                    ?? "dokuend answered \(response.status)")
        }
        if let error = outcome?.error {
            if options.json { throw ExitCode.failure }
            throw DaemonError(message: error)
        }
        guard outcome?.release != nil else {
            throw DaemonError(
                message: "the connection to dokuend ended before the deploy did; see dokuen events \(app)")
        }
    }

    /// The bytes of a tarball: the file itself, or `tar -c` of a directory.
    static func tarball(of source: String) throws -> [UInt8] {
        guard Posix.isDirectory(source) else { return try Posix.readFile(source) }
        let scratch = try Posix.makeTemporaryDirectory(prefix: "/tmp/dokuen-deploy-")
        defer { try? Posix.removeTree(scratch) }
        let null = try Posix.open("/dev/null", O_RDWR)
        defer { Posix.close(null) }
        let tar = try ChildProcess.spawn(
            "/bin/tar", arguments: ["-c", "-f", scratch + "/source.tar", "-C", source, "--exclude=.git", "."],
            environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"], stdin: null, stdout: null, stderr: 2)
        guard try tar.wait() == .exited(0) else { throw DaemonError(message: "unable to pack \(source) with tar") }
        return try Posix.readFile(scratch + "/source.tar")
    }
}
