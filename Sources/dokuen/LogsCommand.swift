import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenSupervision

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `dokuen logs APP`: an app's instance logs merged in time order, streamed from dokuend
/// (`GET /v1/apps/:app/logs`, docs/API.md).
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print an app's logs: every instance, merged in time order.",
        discussion: """
            Each line starts with its time (when the line has one) and the instance that wrote it (web.1), \
            coloured per instance when the output is a terminal. -f keeps printing new lines as they are written, \
            across log rotation and from instances started later (a scale-up); Ctrl-C ends it.
            With --json, each line is one JSON object (NDJSON), as dokuend sends it: \
            {"dyno":"web.1","line":"…","time":"2026-11-22T05:36:13.123Z"}, with time null for a line without one.

            Examples:
              dokuen logs blog                     the last 100 lines of every instance
              dokuen logs blog -n 20 --type web    the last 20 lines of the web instances
              dokuen logs blog -f                  the last lines, then every new one
              dokuen logs blog -f --json | jq -r 'select(.dyno == "worker.1") | .line'
            For one instance, see `dokuen tail`.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Flag(name: .shortAndLong, help: "Keep printing new lines as they are written, until Ctrl-C.")
    var follow = false
    @Option(help: ArgumentHelp("Only the instances of this process type (web, worker…).", valueName: "type"))
    var type: String?
    @Option(
        name: [.customShort("n"), .customLong("lines")], parsing: .unconditional,
        help: ArgumentHelp("How many of the last lines to print first.", valueName: "n"))
    var lines = 100

    func validate() throws {
        try validateApp(app)
        if let type { do { _ = try ProcessType(type) } catch { throw ValidationError(error.description) } }
        try validateLineCount(lines)
    }

    func run() async throws {
        var query = "lines=\(lines)"
        if let type { query += "&type=\(type)" }
        if follow { query += "&follow=1" }
        try printLogs(options, path: "/v1/apps/\(app)/logs?\(query)", showDyno: true)
    }
}

/// `dokuen tail APP:TYPE.N`: the end of one instance's log, as tail(1) prints a file.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Print the end of one instance's log.",
        discussion: """
            The lines are printed as the instance wrote them (with their time, when they have one). -f keeps \
            printing new lines as they are written, across log rotation; Ctrl-C ends it. --json prints NDJSON, as \
            `dokuen logs --json` does.

            Examples:
              dokuen tail blog:web.1               the last 10 lines of web.1
              dokuen tail -n 50 blog:worker.2      the last 50 lines of worker.2
              dokuen tail -f blog:web.1            the last lines, then every new one
            For every instance of an app at once, see `dokuen logs`.
            """)

    @OptionGroup var options: GlobalOptions
    @Flag(name: .shortAndLong, help: "Keep printing new lines as they are written, until Ctrl-C.")
    var follow = false
    @Option(
        name: [.customShort("n"), .customLong("lines")], parsing: .unconditional,
        help: ArgumentHelp("How many of the last lines to print first.", valueName: "n"))
    var lines = 10
    @Argument(help: "The instance: APP:TYPE.N, e.g. blog:web.1.") var target: String

    func validate() throws {
        try validateLineCount(lines)
        _ = try slot()
    }

    func run() async throws {
        let (app, type, index) = try slot()
        var query = "lines=\(lines)&type=\(type)&index=\(index)"
        if follow { query += "&follow=1" }
        try printLogs(options, path: "/v1/apps/\(app)/logs?\(query)", showDyno: false)
    }

    private func slot() throws -> (AppName, ProcessType, Int) {
        let parsed: Target
        do { parsed = try Target(target) } catch { throw ValidationError(error.description) }
        guard case .slot(let app, let type, let index) = parsed else {
            throw ValidationError(
                "invalid target \(Quoting.quoted(target)): tail takes one instance, APP:TYPE.N (e.g. blog:web.1); "
                    + "for more, see dokuen logs")
        }
        return (app, type, index)
    }
}

func validateLineCount(_ lines: Int) throws {
    guard (0...10_000).contains(lines) else {
        throw ValidationError("invalid line count \(Quoting.quoted(String(lines))): -n takes a number from 0 to 10000")
    }
}

/// Streams `path` to stdout: NDJSON as it comes with --json, else one line per log line.
func printLogs(_ options: GlobalOptions, path: String, showDyno: Bool) throws {
    let colour = !options.json && Posix.isTerminal(1) && Posix.getenv("NO_COLOR") == nil
    var printer = LogPrinter(json: options.json, showDyno: showDyno, colour: colour)
    try DaemonClient(options).stream("GET", path) { try printer.take($0) }
}

/// Turns dokuend's NDJSON log lines into text: `TIME DYNO | LINE`, the dyno column as wide as the widest seen so far
/// and, on a terminal, coloured per dyno (each dyno keeps its colour from one run to the next, as in foreman).
private struct LogPrinter {
    /// One line of `GET /v1/apps/:app/logs`.
    struct Entry: Decodable {
        let dyno: String
        let line: String
        let time: String?
    }

    /// ANSI foreground colours: cyan, yellow, green, magenta, blue, red, then their bright forms.
    static let palette = [36, 33, 32, 35, 34, 31, 96, 93, 92, 95, 94, 91]

    let json: Bool
    let showDyno: Bool
    let colour: Bool
    private var splitter = LineSplitter()
    private var width = 0

    init(json: Bool, showDyno: Bool, colour: Bool) {
        self.json = json
        self.showDyno = showDyno
        self.colour = colour
    }

    /// Prints what a piece of the answer completes. Written at once, unbuffered: `-f` output must not wait.
    mutating func take(_ bytes: [UInt8]) throws {
        if json { return try output(bytes) }
        var text = ""
        for line in splitter.feed(bytes) {
            guard let entry = try? JSONDecoder().decode(Entry.self, from: Data(line)) else { continue }
            text += format(entry)
        }
        try output(Array(text.utf8))
    }

    private mutating func format(_ entry: Entry) -> String {
        let time = entry.time.map { $0 + " " } ?? ""
        guard showDyno else { return time + entry.line + "\n" }
        width = max(width, entry.dyno.count)
        let label = entry.dyno + String(repeating: " ", count: width - entry.dyno.count) + " |"
        guard colour else { return time + label + " " + entry.line + "\n" }
        return "\u{1B}[\(Self.colour(of: entry.dyno))m" + time + label + "\u{1B}[0m " + entry.line + "\n"
    }

    /// FNV-1a of the dyno's name picks its colour.
    static func colour(of dyno: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in dyno.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return palette[Int(hash % UInt32(palette.count))]
    }

    private func output(_ bytes: [UInt8]) throws {
        // stdout is gone (a closed pipe): nothing more to say.
        guard Posix.writeToStream(1, bytes) else { throw ExitCode.failure }
    }
}
