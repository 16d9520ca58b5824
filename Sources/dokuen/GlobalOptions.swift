import ArgumentParser

/// Options every verb takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The dokuen root (default: see `dokuen --help`).", valueName: "dir"))
    var root: String?

    @Flag(help: "Print JSON for scripts.")
    var json = false
}
