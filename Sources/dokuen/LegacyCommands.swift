import ArgumentParser
import DokuenCore

/// The verbs of Dokuen 2012's README, each mapped onto today's verb and printing today's output. Hidden from the
/// main help (`dokuen help create` teaches each); `config --application`, `restart --application`,
/// `shutdown --application` and `buildpacks` are today's commands, which accept the 2012 form. Every verb here takes
/// `--application=NAME` and `--application NAME`. Over ssh they follow today's verbs' rights (`Dokuen2012`).
protocol LegacyCommand: AsyncParsableCommand {
    var options: GlobalOptions { get }
}

extension LegacyCommand {
    /// Today's `Command`, parsed (and so validated) from `arguments` plus this invocation's --root and --json. Its
    /// refusal is this command's usage error, so the usage printed is the 2012 verb's.
    func today<Command: AsyncParsableCommand>(_ type: Command.Type, _ arguments: [String]) throws -> Command {
        var words = arguments
        let global = (options.root.map { ["--root", $0] } ?? []) + (options.json ? ["--json"] : [])
        words.insert(contentsOf: global, at: words.firstIndex(of: "--") ?? words.count)
        do { return try Command.parse(words) } catch { throw ValidationError(Command.message(for: error)) }
    }

    /// Runs today's `Command` with `arguments`.
    func runToday<Command: AsyncParsableCommand>(_ type: Command.Type, _ arguments: [String]) async throws {
        var command = try today(type, arguments)
        try await command.run()
    }
}

/// `dokuen create --application=NAME`: `apps create NAME`.
struct LegacyCreate: LegacyCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an app (Dokuen 2012's spelling of `apps create NAME`).",
        discussion: "Example: dokuen create --application=blog", shouldDisplay: false)

    @OptionGroup var options: GlobalOptions
    @Option(help: "The new app's name.") var application: String

    func validate() throws { _ = try today(AppsCommand.Create.self, [application]) }

    func run() async throws { try await runToday(AppsCommand.Create.self, [application]) }
}

/// `dokuen config_set -V KEY=val -V KEY2=val --application=NAME`: `config set NAME KEY=val KEY2=val`.
struct LegacyConfigSet: LegacyCommand {
    static let configuration = CommandConfiguration(
        commandName: "config_set", abstract: "Set config (Dokuen 2012's spelling of `config set NAME K=V…`).",
        discussion: """
            Examples: dokuen config_set -V KEY=val -V KEY2=val2 --application=blog; dokuen config_set -V A=1 B=2 \
            --application=blog. The change makes a new release, cut over like a deploy (as config set).
            """,
        shouldDisplay: false)

    @OptionGroup var options: GlobalOptions
    @Option(name: .customShort("V"), parsing: .upToNextOption, help: ArgumentHelp("KEY=VALUE pairs.", valueName: "K=V"))
    var values: [String] = []
    @Argument(help: "More KEY=VALUE pairs.") var pairs: [String] = []
    @Option(help: "The app.") var application: String

    func validate() throws { _ = try today(ConfigCommand.Set.self, [application] + values + pairs) }

    func run() async throws { try await runToday(ConfigCommand.Set.self, [application] + values + pairs) }
}

/// `dokuen config_delete KEY… --application=NAME`: `config unset NAME KEY…`.
struct LegacyConfigDelete: LegacyCommand {
    static let configuration = CommandConfiguration(
        commandName: "config_delete", abstract: "Unset config (Dokuen 2012's spelling of `config unset NAME K…`).",
        discussion: "Example: dokuen config_delete KEY KEY2 --application=blog", shouldDisplay: false)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Keys.") var keys: [String] = []
    @Option(help: "The app.") var application: String

    func validate() throws { _ = try today(ConfigCommand.Unset.self, [application] + keys) }

    func run() async throws { try await runToday(ConfigCommand.Unset.self, [application] + keys) }
}

/// `dokuen scale web=1 worker=0 --application=NAME`: `ps scale NAME web=1 worker=0`.
struct LegacyScale: LegacyCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale", abstract: "Scale (Dokuen 2012's spelling of `ps scale NAME TYPE=N…`).",
        discussion: "Example: dokuen scale web=2 worker=1 --application=blog", shouldDisplay: false)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "TYPE=COUNT pairs.") var formation: [String] = []
    @Option(help: "The app.") var application: String

    func validate() throws { _ = try today(PsCommand.Scale.self, [application] + formation) }

    func run() async throws { try await runToday(PsCommand.Scale.self, [application] + formation) }
}

/// `dokuen run_command --application=NAME CMD…`: `run NAME -- sh -c 'CMD…'`.
struct LegacyRunCommand: LegacyCommand {
    static let configuration = CommandConfiguration(
        commandName: "run_command", abstract: "Run a one-off command (Dokuen 2012's spelling of `run`).",
        discussion: """
            Examples: dokuen run_command --application=blog 'rake db:migrate'; dokuen run_command \
            --application=blog exit 3. As in Dokuen 2012, the words are joined with spaces into one command line \
            that sh runs in the app (a Procfile line is run the same way), as the app's user, in its current \
            release with its environment. After --, the words are exec'ed as they are, as dokuen run does: \
            dokuen run_command --application=blog -- printenv GREETING. Over ssh, dokuend runs it (see dokuen run --help): its output streams \
            back, it has no stdin and no terminal, and the exit status is the command's (128+N for signal N).
            """,
        shouldDisplay: false)

    @OptionGroup var options: GlobalOptions
    @Option(help: "The app.") var application: String?
    @Argument(parsing: .captureForPassthrough, help: "The command line.") var command: [String] = []

    /// The app and today's `run` words: after a `--`, the words as they are (as `run` execs them); without one, the
    /// words joined into one command line for sh (2012's). `--application` may also come after the command's words,
    /// before any `--`.
    var todays: [String] {
        get throws {
            var words = command
            var app = application
            if app == nil {
                let split = Dokuen2012.splitApplication(words)
                guard split.values.count <= 1 else { throw ValidationError("give --application once") }
                app = split.values.first
                words = split.rest
            }
            guard let app else { throw ValidationError("name the app: --application=NAME") }
            let exact = words.first == "--"
            if exact { words.removeFirst() }
            guard !words.isEmpty else {
                throw ValidationError("give the command, e.g. dokuen run_command --application=\(app) ls")
            }
            return [app, "--"] + (exact ? words : ["/bin/sh", "-c", words.joined(separator: " ")])
        }
    }

    func validate() throws { _ = try today(RunCommand.self, try todays) }

    func run() async throws { try await runToday(RunCommand.self, try todays) }
}

/// `dokuen install_buildpack URL`: `buildpacks install NAME URL`, NAME derived from the URL.
struct LegacyInstallBuildpack: LegacyCommand {
    static let configuration = CommandConfiguration(
        commandName: "install_buildpack",
        abstract: "Install a buildpack (Dokuen 2012's spelling of `buildpacks install NAME URL`).",
        discussion: """
            The name is the URL's last path component without .git and without a heroku-buildpack- prefix, \
            lowercased: https://github.com/heroku/heroku-buildpack-ruby.git installs ruby. It must then be a \
            buildpack name (a-z, 0-9 and '-'); otherwise use dokuen buildpacks install NAME URL. Buildpacks serve \
            every app, so --application is accepted and ignored.
            """,
        shouldDisplay: false)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "A git URL or path, optionally with #REF.") var url: String
    @Option(help: "Ignored: buildpacks serve every app.") var application: String?

    var name: String {
        get throws {
            switch Dokuen2012.buildpackName(fromURL: url) {
            case .success(let name): return name
            case .failure(let refusal): throw ValidationError(refusal.reason)
            }
        }
    }

    func validate() throws { _ = try today(BuildpacksCommand.Install.self, [try name, url]) }

    func run() async throws { try await runToday(BuildpacksCommand.Install.self, [try name, url]) }
}

/// `dokuen remove_buildpack NAME`: `buildpacks remove NAME`.
struct LegacyRemoveBuildpack: LegacyCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove_buildpack",
        abstract: "Remove an installed buildpack (Dokuen 2012's spelling of `buildpacks remove NAME`).",
        discussion: "Buildpacks serve every app, so --application is accepted and ignored.", shouldDisplay: false)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The buildpack, as install_buildpack named it.") var name: String
    @Option(help: "Ignored: buildpacks serve every app.") var application: String?

    func validate() throws { _ = try today(BuildpacksCommand.Remove.self, [name]) }

    func run() async throws { try await runToday(BuildpacksCommand.Remove.self, [name]) }
}
