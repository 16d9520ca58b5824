import ArgumentParser
import DokuenAPI
import DokuenCore

/// `dokuen status [TARGET…]`: every instance and its state, supervisorctl style. Exit 0 when every named instance
/// is RUNNING or finished (a one-shot type's EXITED with code 0), 3 when some are not, 4 when a target names nothing
/// (supervisorctl's codes).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show every process instance and its state.",
        discussion: """
            Targets: APP, APP:TYPE, APP:TYPE.N, addon:NAME or all (the default). All shows the add-ons too, as \
            addon:NAME lines, RUNNING when the server answers; --json lists instances only (add-ons: dokuen addons \
            --json).

            Exit status: 0 when everything shown is RUNNING, or finished (a one-shot type, whose restart setting \
            lets it exit, EXITED with code 0); 3 when something is not (STOPPED, BACKOFF, FATAL, a failed exit…); \
            4 when a target names nothing.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "What to show.") var targets: [String] = []

    func validate() throws {
        for target in targets {
            if target.hasPrefix(Self.addonPrefix) {
                try validateAddon(String(target.dropFirst(Self.addonPrefix.count)))
                continue
            }
            do { _ = try Target(target) } catch { throw ValidationError(error.description) }
        }
    }

    /// `addon:NAME` names an add-on (docs/ADDONS.md).
    static let addonPrefix = "addon:"

    func run() async throws {
        let client = try DaemonClient(options)
        let addonNames = targets.filter { $0.hasPrefix(Self.addonPrefix) }.map { $0.dropFirst(Self.addonPrefix.count) }
        let instanceTargets = targets.filter { !$0.hasPrefix(Self.addonPrefix) }
        // Memory and CPU only for --json, the one output that shows them: the daemon reads them from /proc.
        let all = try client.call("GET", options.json ? "/v1/status" : "/v1/status?usage=0", as: [InstanceStatus].self)
        // A daemon without add-ons (older, or none made) lists none.
        let addons =
            (targets.isEmpty || !addonNames.isEmpty)
            ? ((try? client.call("GET", "/v1/addons", as: [AddonInfo].self)) ?? []) : []
        let shownAddons = targets.isEmpty ? addons : addons.filter { addonNames.contains(Substring($0.name)) }
        let parsed =
            try instanceTargets.isEmpty
            ? (targets.isEmpty ? [Target.all] : []) : instanceTargets.map { try Target($0) }
        var shown: [InstanceStatus] = []
        var unknown = false
        for target in parsed {
            let matching = all.filter { status in
                guard
                    let id = try? InstanceID(
                        app: AppName(status.app), type: ProcessType(status.type), index: status.index,
                        release: ReleaseID(status.release))
                else { return false }
                return target.matches(id)
            }
            if matching.isEmpty && target != .all { unknown = true }
            shown += matching.filter { candidate in !shown.contains(candidate) }
        }
        if shownAddons.count < Set(addonNames).count { unknown = true }
        if options.json {
            try printJSON(shown)
        } else {
            for status in shown { print(Self.line(status)) }
            for addon in shownAddons { print(Self.line(addon)) }
            // Automatic certificates whose renewal fails or that expire within 14 days (docs/CERTS.md): one line
            // each, for the apps shown (all of them without targets); a daemon without the route shows none.
            let apps = Set(shown.map(\.app))
            let warnings = (try? client.call("GET", "/v1/certs/warnings", as: [CertificateWarning].self)) ?? []
            for warning in warnings where targets.isEmpty || apps.contains(warning.name) {
                print("warning: \(warning.message)")
            }
        }
        if unknown { throw ExitCode(4) }
        if shown.contains(where: { !$0.isUp }) || shownAddons.contains(where: { $0.state != "RUNNING" }) {
            throw ExitCode(3)
        }
    }

    static func line(_ status: InstanceStatus) -> String {
        let name = "\(status.app):\(status.type).\(status.index)"
        var details: [String] = []
        if let pid = status.pid { details.append("pid \(pid)") }
        if let port = status.port { details.append("port \(port)") }
        details.append(status.release)
        if status.restarts > 0 { details.append("\(status.restarts) restarts") }
        if let exit = status.exit, status.state != "RUNNING" { details.append("last exit \(exit)") }
        if status.logDroppedBytes > 0 {
            details.append(
                "log: \(ByteSize.text(status.logDroppedBytes)) dropped" + (status.logDropping ? " (disk full)" : ""))
        }
        return name.padding(16) + status.state.padding(10) + details.joined(separator: ", ")
    }
}

extension StatusCommand {
    static func line(_ addon: AddonInfo) -> String {
        var details: [String] = []
        if let pid = addon.pid { details.append("pid \(pid)") }
        details.append("port \(addon.port)")
        details.append("\(addon.kind) \(addon.version)")
        if addon.restarts > 0 { details.append("\(addon.restarts) restarts") }
        return (Self.addonPrefix + addon.name).padding(16) + addon.state.padding(10) + details.joined(separator: ", ")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
