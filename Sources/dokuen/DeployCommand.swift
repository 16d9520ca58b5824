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
        let response = try client.client.send(
            "POST", "/v1/apps/\(app)/deploys", body: tarball,
            headers: DaemonClient.actorHeaders.merging(["Content-Type": "application/x-tar"]) { $1 })
        let body = response.body
        guard (200..<300).contains(response.status) else {
            throw DaemonError(
                message: (try? decodeJSON(ErrorBody.self, body).error) ?? "dokuend answered \(response.status)")
        }
        let outcome = try decodeJSON(DeployResponse.self, body)
        if options.json { return try printJSON(outcome) }
        for line in outcome.lines { print(line) }
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
