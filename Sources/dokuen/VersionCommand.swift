import ArgumentParser
import DokuenCore

/// `dokuen version [--json]`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version of this dokuen client.")

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() {
        if json {
            print("{\"version\":\"\(DokuenVersion.current)\"}")
        } else {
            print("dokuen \(DokuenVersion.current)")
        }
    }
}
