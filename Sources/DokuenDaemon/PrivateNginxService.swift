import DokuenCore
import DokuenPosix
import DokuenRouting
import DokuenSupervision

/// The private nginx master of a dokuend that is not root (docs/MODES.md), run by a dokuen-shim: restarted by its
/// shim when it crashes, left running across a restart of dokuend (as apps are), stopped by `dokuen shutdown`.
public struct PrivateNginxService: Sendable {
    public let nginx: PrivateNginx
    public let shimPath: String
    /// The port its server blocks listen on, checked before it starts.
    public let port: Int

    public init(nginx: PrivateNginx, shimPath: String, port: Int) {
        self.nginx = nginx
        self.shimPath = shimPath
        self.port = port
    }

    /// Whether its shim is alive (it holds the service directory's lock).
    public var isRunning: Bool { (try? FileLock.isHeld(nginx.serviceDirectory + "/lock")) ?? false }

    /// Writes the configuration and starts the master, unless its shim already runs (a restart of dokuend: the
    /// routing's first reload then reads the configuration). Fails, saying which setting to change, when another
    /// program listens on the port.
    public func start() throws {
        for directory in nginx.directories { try Posix.mkdir(directory, existingOK: true) }
        try AtomicFile.write(Array(nginx.config().utf8), to: nginx.configFile, mode: 0o644)
        if isRunning { return }
        if Posix.listeningTCPPorts().contains(port) {
            throw DaemonError.privateNginx(
                reason: "port \(port) is taken by another program; give dokuend --http-port PORT (and --https-port "
                    + "PORT for TLS), or --nginx off")
        }
        var options = ShimOptions()
        options.directory = nginx.serviceDirectory
        options.logPath = nginx.logDirectory + "/master.log"
        // QUIT is nginx's graceful shutdown: requests in flight finish.
        options.machine.stopSignal = 3
        options.machine.stopTimeout = 10_000
        options.command = nginx.serveCommand
        try ShimStarter(
            shimPath, options, environment: ["PATH": InstanceEnvironment.defaultPath], name: "the private nginx"
        ).wait()
        DaemonLog.info("routing", "started the private nginx on 127.0.0.1:\(port) (\(nginx.configFile))")
    }

    /// Stops the master and its shim (`dokuen shutdown`), waiting up to 15 s for the shim to let go of its lock.
    public func stop() {
        guard isRunning else { return }
        do {
            try ShimControl.send(.exit, toDirectory: nginx.serviceDirectory)
        } catch {
            DaemonLog.error("routing", "unable to stop the private nginx: \(error)")
            return
        }
        let text = (try? Posix.readFile(nginx.serviceDirectory + "/status")) ?? []
        if let shim = StatusRecord(decoding: String(decoding: text, as: UTF8.self)), shim.shimPID > 0 {
            _ = try? Posix.waitForExit(pid: shim.shimPID, milliseconds: 15_000)
        }
    }
}
