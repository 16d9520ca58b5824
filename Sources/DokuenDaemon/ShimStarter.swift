import DokuenPosix
import DokuenSupervision

/// A `dokuen-shim start` under way: spawned by `init`, and `wait` returns once the shim is up (it holds its lock and
/// reads its control FIFO) or says why not. `start` forks: the shim runs in its own session, outlives dokuend, is
/// never its child (no zombie), and the starter learns whether it came up. Spawning many
/// before waiting for any starts a fleet in about the time of one.
struct ShimStarter {
    let starter: ChildProcess
    let directory: String
    let name: String

    init(_ shimPath: String, _ options: ShimOptions, environment: [String: String], name: String) throws {
        try Posix.mkdir(options.directory, existingOK: true)
        let stdin = try Posix.open("/dev/null", .readOnly)
        let shimLog = try Posix.open(options.directory + "/shim.log", [.writeOnly, .create, .append])
        defer {
            Posix.close(stdin)
            Posix.close(shimLog)
        }
        starter = try ChildProcess.spawn(
            shimPath, arguments: ["start"] + options.arguments(), environment: environment, stdin: stdin,
            stdout: shimLog, stderr: shimLog, grouping: .newSession)
        directory = options.directory
        self.name = name
    }

    /// Waits up to 10 s for the shim to be up; throws with the shim's last word when it is not.
    func wait() throws {
        guard let outcome = try starter.wait(milliseconds: 10_000) else {
            _ = try? starter.signalGroup(.kill)
            _ = try? starter.wait()
            throw DaemonError.shimDidNotStart(name, reason: "no answer in 10 s")
        }
        guard outcome == .exited(0) else {
            let reason = String(decoding: (try? Posix.readFile(directory + "/shim.log")) ?? [], as: UTF8.self)
            throw DaemonError.shimDidNotStart(
                name, reason: reason.split(separator: "\n").last.map(String.init) ?? "\(outcome)")
        }
    }
}

extension ShimOptions {
    /// The command runs as `credentials` (nil: as dokuend's user), named to the shim by ids, `:UID:GID[:GID…]`
    /// (docs/SHIM.md): the shim then looks nothing up. A name would make the release shim, which links glibc
    /// statically, call getpwnam, whose NSS modules a static program cannot load: it crashed before its child started.
    mutating func run(as credentials: ChildProcess.Credentials?) {
        user =
            credentials.map { credentials in
                ([credentials.uid, credentials.gid] + credentials.groups.filter { $0 != credentials.gid })
                    .map { ":\($0)" }.joined()
            } ?? ""
    }
}
