import ArgumentParser
import DokuenCore
import DokuenPosix

/// `dokuen`, the command-line client. It never opens SQLite: every verb is a call to dokuend's API.
@main
struct Dokuen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dokuen",
        abstract: "Heroku's workflow on your own machine: git push, buildpacks, releases, supervised processes.",
        discussion: """
            The root (and so the daemon) is --root DIR, else $DOKUEN_ROOT, else ~/.local/share/dokuen when a \
            daemon runs there, else /var/lib/dokuen. Exit codes: 0 success, 1 failure, 64 bad usage; 69, 75 and \
            77 for some of dokuend's errors (docs/API.md). Times print in UTC: 2026-12-04 15:58:58 UTC. Shell \
            completions: dokuen --generate-completion-script bash|zsh|fish.

            Dokuen 2012 verbs: the original tool's spellings still work, locally and over ssh, each doing what \
            today's verb does: create, config, config_set, config_delete, scale, restart, shutdown, run_command, \
            buildpacks, install_buildpack and remove_buildpack, with --application=APP (dokuen create \
            --application=blog; dokuen config_set -V KEY=val -V KEY2=val --application=blog). dokuen help VERB \
            shows each one.
            """,
        version: DokuenVersion.current,
        subcommands: [
            AppsCommand.self, DeployCommand.self, BuildpacksCommand.self, ReleasesCommand.self, RollbackCommand.self,
            DomainsCommand.self, MaintenanceCommand.self, AccessCommand.self, ProxiesCommand.self, ChecksCommand.self,
            CertsCommand.self,
            AddonsCommand.self,
            PsCommand.self,
            StatusCommand.self, StopCommand.self,
            StartCommand.self, RestartCommand.self, SignalCommand.self, PidCommand.self, ConfigCommand.self,
            RunCommand.self, CronCommand.self, BackupCommand.self, LogsCommand.self, TailCommand.self,
            EventsCommand.self, NotifyCommand.self, DashboardCommand.self,
            ShutdownCommand.self,
            RestoreCommand.self,
            GitCommand.self, SetupCommand.self, HookCommand.self, KeysCommand.self, GitShellCommand.self,
            GitoliteCommand.self, VersionCommand.self,
            LegacyCreate.self, LegacyConfigSet.self, LegacyConfigDelete.self, LegacyScale.self, LegacyRunCommand.self,
            LegacyInstallBuildpack.self, LegacyRemoveBuildpack.self,
        ])

    /// `dokuen VERB ARGS…` for a verb with no subcommands of its own, parsed by that verb alone: the same command
    /// and values as `parseAsRoot`, without building and searching the whole tree's argument sets first (a third
    /// of `dokuen status`'s time; docs/BENCHMARKS.md). Nil when anything in it is not plain arguments (help, a
    /// usage error, a completion request): the root then parses it, so every message and exit is the usual one.
    private static func parseLeafDirectly() -> sending ParsableCommand? {
        let arguments = CommandLine.arguments.dropFirst()
        guard let verb = arguments.first,
            let leaf = configuration.subcommands.first(where: {
                $0.configuration.commandName == verb && $0.configuration.subcommands.isEmpty
            })
        else { return nil }
        return try? leaf.parse(Array(arguments.dropFirst()))
    }

    /// Errors print once, on one line: `dokuen: error: …`, plus the usage for a usage error (exit 64).
    static func main() async {
        do {
            var command: ParsableCommand
            if let leaf = parseLeafDirectly() { command = leaf } else { command = try parseAsRoot() }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Posix.exit(code.rawValue)  // an outcome (status 3 or 4), already shown; not an error to print
        } catch {
            let code = (error as? CLIError).map { ExitCode($0.exitStatus) } ?? exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            var text = "dokuen: error: " + message(for: error) + "\n"
            if code == .validationFailure {
                text += usageString(for: error) + "\n"
            }
            Posix.writeToStandardError(text)
            Posix.exit(code == .validationFailure ? 64 : code.rawValue == 0 ? 1 : code.rawValue)
        }
    }

    private static func usageString(for error: Error) -> String {
        // ArgumentParser's full message is "Error: …" then the usage; keep the usage lines.
        let lines = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Usage:") }) else { return "" }
        return lines[start...].joined(separator: "\n")
    }
}
