import ArgumentParser
import DokuenAPI
import DokuenCore

/// `dokuen status [TARGET…]`: every instance and its state, supervisorctl style. Exit 0 when every named instance
/// is RUNNING, 3 when some are not, 4 when a target names nothing (supervisorctl's codes).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show every process instance and its state.",
        discussion: "Targets: APP, APP:TYPE, APP:TYPE.N or all (the default).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "What to show.") var targets: [String] = []

    func validate() throws {
        for target in targets {
            do { _ = try Target(target) } catch { throw ValidationError(error.description) }
        }
    }

    func run() async throws {
        let all = try DaemonClient(options).call("GET", "/v1/status", as: [InstanceStatus].self)
        let parsed = try targets.isEmpty ? [Target.all] : targets.map { try Target($0) }
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
        if options.json {
            try printJSON(shown)
        } else {
            for status in shown { print(Self.line(status)) }
        }
        if unknown { throw ExitCode(4) }
        if shown.contains(where: { $0.state != "RUNNING" }) { throw ExitCode(3) }
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

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
