import ArgumentParser
import DokuenCore
import DokuenPosix

/// `dokuen setup` (root): the `dokuen` user and group, the root directory, and dokuend's systemd unit with the real
/// binary path. `--print` shows every step and the unit, and changes nothing.
struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup", abstract: "Prepare this machine for dokuend (as root): user, group, root, systemd unit.",
        discussion: "Then: systemctl daemon-reload && systemctl enable --now dokuend")

    @Flag(help: "Show what would be done, change nothing.") var print = false
    @Option(help: ArgumentHelp("The root directory.", valueName: "dir")) var root = RootDiscovery.systemRoot
    @Option(help: ArgumentHelp("Where the unit goes.", valueName: "dir")) var unitDir = "/etc/systemd/system"
    @Option(help: ArgumentHelp("Where dokuend is (default: beside this dokuen).", valueName: "dir")) var binDir: String?

    func validate() throws {
        guard root.hasPrefix("/"), unitDir.hasPrefix("/") else {
            throw ValidationError("--root and --unit-dir must be absolute")
        }
        if !print && Posix.geteuid() != 0 {
            throw ValidationError("dokuen setup needs root; on a laptop, run dokuend as yourself instead (no setup)")
        }
    }

    func run() throws {
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
        Swift.print("Next: systemctl daemon-reload && systemctl enable --now dokuend")
    }

    static func run(_ program: String, _ arguments: [String]) throws {
        let null = try Posix.open("/dev/null", .readWrite)
        defer { Posix.close(null) }
        let child = try ChildProcess.spawn(
            program, arguments: arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], stdin: null,
            stdout: 2, stderr: 2)
        let status = try child.wait()
        guard status == .exited(0) else {
            throw CLIError(message: "\(program) \(arguments.joined(separator: " ")) \(status!)")
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
