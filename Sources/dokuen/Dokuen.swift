import ArgumentParser
import DokuenCore

/// `dokuen`, the command-line client. It never opens SQLite: every verb will be a call to dokuend's API.
/// This first version carries the verbs that need no daemon.
@main
struct Dokuen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dokuen",
        abstract: "Heroku's workflow on your own machine: git push, buildpacks, releases, supervised processes.",
        version: DokuenVersion.current,
        subcommands: [VersionCommand.self])
}
