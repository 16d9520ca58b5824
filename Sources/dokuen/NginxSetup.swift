import DokuenPosix
import DokuenRouting

/// The nginx part of `dokuen setup` (docs/MODES.md, "Routing with the system's nginx"): it makes the system's nginx
/// route to Dokuen's apps, or says why routing stays off and how to fix it. In order:
/// 1. nginx must be installed (the CLI installs no package; `scripts/up` does: nginx-light);
/// 2. the HTTP and TLS ports must be free or held by nginx: another program there keeps routing off, named by pid;
/// 3. `<conf>/conf.d/dokuen.conf` includes `<root>/nginx/*.conf` (written atomically, only when it differs);
/// 4. Debian's untouched default site is disabled; a default site a user wrote or changed is left, with a message;
/// 5. `nginx -t` passes, else steps 3 and 4 are undone;
/// 6. nginx is reloaded (or started): `systemctl reload-or-restart nginx` under systemd for /etc/nginx, else
///    `nginx -s reload` when it runs and `nginx` when it does not.
/// A second run finds nothing to change and says so.
struct NginxSetup {
    /// How a run ended. Routing off is not a failure of setup: apps still answer on their ports.
    enum Outcome: Equatable {
        case routing
        case off(reason: String)
    }

    let confDirectory: String
    let root: ConfigPath
    let ports: [Int]
    let dryRun: Bool
    let binary: String?

    var includePath: String { confDirectory + "/conf.d/dokuen.conf" }
    var defaultSite: String { confDirectory + "/sites-enabled/default" }
    var mainConfig: String { confDirectory + "/nginx.conf" }

    /// Runs the steps, printing each as `done:`, `ok:` (nothing to change) or `would:` (`--print`).
    func run() throws -> Outcome {
        guard let binary else {
            return .off(
                reason: "nginx is not installed; install it (apt-get install nginx-light), then run dokuen setup again")
        }
        if let taken = takenPort() { return .off(reason: taken) }

        var changed = false
        let include = Array(SystemNginxInclude.render(root: root).utf8)
        let oldInclude = try? Posix.readFile(includePath)
        if oldInclude == include {
            say(.unchanged, "include \(includePath): reads \(root)/nginx/*.conf")
        } else {
            changed = true
            if !dryRun {
                try Posix.mkdir(confDirectory + "/conf.d", existingOK: true)
                try AtomicFile.write(include, to: includePath, mode: 0o644)
            }
            say(.change, "include \(includePath): write it, reading \(root)/nginx/*.conf")
        }

        var disabledDefault: String?
        switch judgeDefaultSite() {
        case .absent: break
        case .debians:
            changed = true
            let target = (try? Posix.readlink(defaultSite)) ?? confDirectory + "/sites-available/default"
            if !dryRun {
                try Posix.unlink(defaultSite)
                disabledDefault = target
            }
            say(
                .change,
                "default site \(defaultSite): disable Debian's own, untouched file, whose default_server would answer "
                    + "names no app has instead of Dokuen's catch-all (to enable it again: ln -s \(target) \(defaultSite))"
            )
        case .users(let saysDefaultServer):
            say(
                .unchanged,
                "default site \(defaultSite): left alone, it is not Debian's untouched file"
                    + (saysDefaultServer
                        ? "; its default_server answers names no app has instead of Dokuen's catch-all (remove it "
                            + "to let Dokuen's answer)" : ""))
        }

        let running = nginxPID()
        if dryRun {
            say(.change, "test: \(binary) -c \(mainConfig) -t")
            say(
                running == nil ? .change : (changed ? .change : .unchanged),
                startStep(running: running, changed: changed))
            return .routing
        }
        do {
            try SetupCommand.run(binary, ["-c", mainConfig, "-t", "-q"])
        } catch {
            // Put back what this run changed, so the running nginx keeps its configuration.
            if let oldInclude {
                try AtomicFile.write(oldInclude, to: includePath, mode: 0o644)
            } else if changed {
                _ = try? Posix.unlink(includePath)
            }
            if let disabledDefault { try Posix.symlink(target: disabledDefault, at: defaultSite) }
            return .off(reason: "nginx -t refused the configuration (its message is above); nothing was changed")
        }
        say(.unchanged, "test: \(binary) -c \(mainConfig) -t passes")
        if running != nil && !changed {
            say(.unchanged, startStep(running: running, changed: changed))
            return .routing
        }
        if usesSystemd {
            try SetupCommand.run("/usr/bin/systemctl", ["reload-or-restart", "nginx"])
        } else if running != nil {
            try SetupCommand.run(binary, ["-c", mainConfig, "-s", "reload"])
        } else {
            try SetupCommand.run(binary, ["-c", mainConfig])
        }
        say(.change, startStep(running: running, changed: changed))
        return .routing
    }

    private enum Kind { case change, unchanged }

    private func say(_ kind: Kind, _ text: String) {
        let prefix = dryRun && kind == .change ? "would: " : kind == .change ? "done: " : "ok: "
        print(prefix + text)
    }

    private func startStep(running: Int32?, changed: Bool) -> String {
        let how =
            usesSystemd
            ? "systemctl reload-or-restart nginx"
            : running != nil
                ? "\(binary ?? "nginx") -c \(mainConfig) -s reload" : "\(binary ?? "nginx") -c \(mainConfig)"
        if let running, !changed { return "nginx: running (pid \(running)), nothing to reload" }
        return (running == nil ? "nginx: start it (" : "nginx: reload it (") + how + ")"
    }

    /// systemd manages nginx only for the system's own configuration, and only when it is PID 1 and running
    /// (sd_booted(3) checks /run/systemd/system).
    var usesSystemd: Bool {
        confDirectory == "/etc/nginx" && Posix.processName(1) == "systemd" && Posix.isDirectory("/run/systemd/system")
    }

    /// The pid of the nginx master this configuration names, when it runs.
    func nginxPID() -> Int32? {
        let config = (try? Posix.readFile(mainConfig)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let pidFile = SystemNginxInclude.pidFile(mainConfig: config)
        guard let bytes = try? Posix.readFile(pidFile),
            let pid = Int32(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }), pid > 0,
            (try? Posix.kill(pid, 0)) == true
        else { return nil }
        return pid
    }

    /// Why routing must stay off when a program other than nginx listens on one of the ports; nil when they are
    /// free or nginx's.
    func takenPort() -> String? {
        for port in ports where Posix.listeningTCPPorts().contains(port) {
            let holders = Posix.holders(ofPort: port)
            if !holders.isEmpty && holders.allSatisfy({ $0.name == "nginx" }) { continue }
            let who =
                holders.isEmpty ? "a program this user cannot see" : holders.map(\.description).joined(separator: ", ")
            // systemctl only for a service's own program (apache2 in apache2.service): a process that merely runs
            // inside a service (a CI runner's child, a shell) is stopped by its pid.
            let stop = holders.first.map { holder in
                if let service = holder.service, service.hasPrefix(holder.name) {
                    return "systemctl disable --now \(service)"
                }
                return "kill \(holder.pid)"
            }
            return "port \(port) is taken by \(who), not nginx; apps still answer on their ports. Fix: stop it"
                + (stop.map { " (\($0))" } ?? "")
                + " or move it off port \(port), then run dokuen setup again; or run dokuend and dokuen "
                + "setup with other --http-port and --https-port"
        }
        return nil
    }

    func judgeDefaultSite() -> DebianDefaultSite.Verdict {
        guard let info = try? Posix.lstat(defaultSite) else { return .absent }
        let packaged = Posix.realpath(confDirectory + "/sites-available/default")
        let links = info.kind == .symlink && packaged != nil && Posix.realpath(defaultSite) == packaged
        var known = DebianDefaultSite.knownMD5s
        if let status = try? Posix.readFile("/var/lib/dpkg/status"),
            let md5 = DebianDefaultSite.packagedMD5(dpkgStatus: String(decoding: status, as: UTF8.self))
        {
            known.insert(md5)
        }
        // coreutils' md5sum, which every Debian has, rather than an MD5 of our own (docs/DEPENDENCIES.md).
        let md5sum = try? HookCommand.PreReceive.run("/usr/bin/md5sum", ["--", defaultSite])
        let md5 =
            md5sum?.status == .exited(0)
            ? DebianDefaultSite.md5(md5sumOutput: String(decoding: md5sum?.output ?? [], as: UTF8.self)) : nil
        return DebianDefaultSite.judge(
            content: (try? Posix.readFile(defaultSite)) ?? [], contentMD5: md5, linksToPackagedFile: links,
            packagedMD5s: known)
    }
}
