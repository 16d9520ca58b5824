import ArgumentParser
import DokuenCore
import DokuenPosix
import DokuenRouting

/// `dokuen setup` (root): the `dokuen` user and group, the root directory, dokuend's systemd unit with the real
/// binary path, and routing through the system's nginx (NginxSetup). `--print` shows every step and the unit, and
/// changes nothing.
struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Prepare this machine for dokuend (as root): user, group, root, systemd unit, nginx routing.",
        discussion: """
            Routing: writes <nginx-conf-dir>/conf.d/dokuen.conf, which includes <root>/nginx/*.conf; disables \
            Debian's default site only when it is Debian's untouched file (a default site of yours is left, and its \
            default_server then answers unknown names instead of Dokuen's catch-all); checks that nothing but nginx \
            holds the HTTP and TLS ports; runs nginx -t; then reloads or starts nginx (systemctl under systemd). Each \
            step prints as done:, ok: (nothing to change) or would: (--print). Install nginx first: apt-get install \
            nginx-light.

            Exits 3 when routing stays off (no nginx, a port held by another program, or nginx -t refused): the \
            message says why and how to fix it; apps still answer on their ports.

            Then: systemctl daemon-reload && systemctl enable --now dokuend
            """)

    @Flag(help: "Show what would be done, change nothing.") var print = false
    @Option(help: ArgumentHelp("The root directory.", valueName: "dir")) var root = RootDiscovery.systemRoot
    @Option(help: ArgumentHelp("Where the unit goes.", valueName: "dir")) var unitDir = "/etc/systemd/system"
    @Option(help: ArgumentHelp("Where dokuend is (default: beside this dokuen).", valueName: "dir")) var binDir: String?
    @Option(help: ArgumentHelp("The system nginx's configuration directory.", valueName: "dir"))
    var nginxConfDir = "/etc/nginx"
    @Option(help: ArgumentHelp("The port dokuend's servers listen on (dokuend --http-port).", valueName: "port"))
    var httpPort = 80
    @Option(
        help: ArgumentHelp("The TLS port, where the catch-all listens too (dokuend --https-port).", valueName: "port"))
    var httpsPort = 443
    @Flag(help: "Only the nginx part: no user, group, root or unit (scripts/up starts dokuend itself).")
    var nginxOnly = false

    func validate() throws {
        guard root.hasPrefix("/"), unitDir.hasPrefix("/"), nginxConfDir.hasPrefix("/") else {
            throw ValidationError("--root, --unit-dir and --nginx-conf-dir must be absolute")
        }
        do { _ = try ConfigPath(root) } catch { throw ValidationError("--root: \(error)") }
        for port in [httpPort, httpsPort] where !(1...65535).contains(port) {
            throw ValidationError("--http-port and --https-port take 1 to 65535, got \(port)")
        }
        if !print && Posix.geteuid() != 0 {
            throw ValidationError("dokuen setup needs root; on a laptop, run dokuend as yourself instead (no setup)")
        }
    }

    func run() throws {
        if !nginxOnly { try setUpDaemon() }
        let nginx = NginxSetup(
            confDirectory: nginxConfDir, root: try ConfigPath(root), ports: [httpPort, httpsPort], dryRun: print,
            binary: NginxSettings.findBinary(searchPath: Posix.environment()["PATH"]))
        if case .off(let reason) = try nginx.run() {
            throw CLIError(message: "routing stays off: " + reason, exitStatus: 3)
        }
        if !print && !nginxOnly { Swift.print("Next: systemctl daemon-reload && systemctl enable --now dokuend") }
    }

    /// The user, the group, the root and the unit.
    private func setUpDaemon() throws {
        let bin = binDir ?? Posix.executableDirectory()
        let unit = SystemdUnit.render(binDirectory: bin, root: root)
        let unitPath = unitDir + "/dokuend.service"
        let steps = [
            "group dokuen: " + (UserEntry.groupID("dokuen") == nil ? "create (groupadd --system dokuen)" : "exists"),
            "user dokuen: "
                + (UserEntry.named("dokuen") == nil ? "create (useradd --system, no login shell)" : "exists"),
            "root \(root): create with mode 0755, owned by root",
            "unit \(unitPath): write, for \(bin)/dokuend",
        ]
        if print {
            for step in steps { Swift.print("would: " + step) }
            Swift.print("\n" + unit, terminator: "")
            return
        }
        if UserEntry.groupID("dokuen") == nil { try Self.run("/usr/sbin/groupadd", ["--system", "dokuen"]) }
        if UserEntry.named("dokuen") == nil {
            try Self.run(
                "/usr/sbin/useradd",
                [
                    "--system", "--gid", "dokuen", "--home-dir", root, "--no-create-home", "--shell",
                    "/usr/sbin/nologin", "dokuen",
                ])
        }
        try Posix.mkdir(root, existingOK: true)
        try Posix.chmod(root, 0o755)
        try Posix.mkdir(unitDir, existingOK: true)
        try AtomicFile.write(Array(unit.utf8), to: unitPath, mode: 0o644)
        for step in steps { Swift.print("done: " + step) }
    }

    static func run(_ program: String, _ arguments: [String]) throws {
        let null = try Posix.open("/dev/null", .readWrite)
        defer { Posix.close(null) }
        let child = try ChildProcess.spawn(
            program, arguments: arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], stdin: null,
            stdout: 2, stderr: 2)
        let status = try child.wait()
        guard status == .exited(0) else {
            let how = status.map { "\($0)" } ?? "did not end"
            throw CLIError(message: "unable to run \(([program] + arguments).joined(separator: " ")): it \(how)")
        }
    }
}

/// dokuend's unit, as in etc/systemd/dokuend.service (a test keeps the two identical).
enum SystemdUnit {
    static let template = """
        # dokuend under systemd. `dokuen setup` installs this file with the binary directory and the root filled in.
        # Type=notify: dokuend sends READY=1 once the root and the state store are ready (sd_notify through libsystemd).
        # KillMode=process: only dokuend is stopped on `systemctl stop/restart`; the per-process shims and the apps
        # they supervise keep running and are re-adopted by the next dokuend.
        [Unit]
        Description=Dokuen app platform daemon
        After=network.target

        [Service]
        Type=notify
        ExecStart=@BINDIR@/dokuend --root @ROOT@
        KillMode=process
        Restart=on-failure
        WatchdogSec=30s
        TimeoutStopSec=30s

        [Install]
        WantedBy=multi-user.target

        """

    static func render(binDirectory: String, root: String) -> String {
        template.replacing("@BINDIR@", with: binDirectory).replacing("@ROOT@", with: root)
    }
}
