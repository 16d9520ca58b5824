import DokuenCore
import DokuenPosix
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What people read from `dokuen` when no daemon is involved, pinned in Tests/Golden/cli: the `--help` of every
/// command (hidden ones included) and the error line of every input the CLI refuses before it calls dokuend.
/// `DOKUEN_UPDATE_GOLDEN=1` re-records both files.
@Suite(.timeLimit(.minutes(5))) struct CLIGoldenTests {
    static let directory = GoldenText.directory(#filePath, "../Golden/cli")
    let bin = builtProductsDirectory()

    /// Runs the CLI with a root where no daemon runs, so that an input the CLI wrongly lets through shows as
    /// "unable to reach dokuend" in the golden file instead of reaching a daemon.
    func dokuen(_ arguments: [String], root: String) throws -> ProgramResult {
        try runProgram(
            bin + "/dokuen", arguments + ["--root", root],
            environment: ["PATH": "/usr/bin:/bin", "HOME": root, "LC_ALL": "C"])
    }

    /// Every command path, from ArgumentParser's own description of the tree.
    func commandPaths() throws -> [[String]] {
        struct Command: Decodable {
            var commandName: String
            var subcommands: [Command]?
        }
        struct Dump: Decodable { var command: Command }
        let result = try runProgram(bin + "/dokuen", ["--experimental-dump-help"])
        let dump = try JSONDecoder().decode(Dump.self, from: Data(result.stdout))
        var paths: [[String]] = []
        func walk(_ command: Command, _ path: [String]) {
            paths.append(path)
            for sub in command.subcommands ?? [] { walk(sub, path + [sub.commandName]) }
        }
        walk(dump.command, [])
        return paths
    }

    @Test func helpOfEveryCommand() throws {
        var text = ""
        for path in try commandPaths() where path != ["help"] {
            let result = try runProgram(bin + "/dokuen", path + ["--help"], environment: ["PATH": "/usr/bin:/bin"])
            text += "$ " + (["dokuen"] + path + ["--help"]).joined(separator: " ") + "\n"
            text += "[\(result.status)]\n" + result.standardOutput + result.standardError + "\n"
        }
        let mismatch = try GoldenText(directory: Self.directory, name: "help.txt").mismatch(text)
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    /// Every command names itself (`commandName:`): without it, ArgumentParser derives the name with
    /// `String(describing: Self.self)` for every command of the tree at each start, and each of those asks the Swift
    /// runtime for conformances it must scan the whole binary to refuse: 2 ms of every `dokuen` command (issue 22,
    /// docs/BENCHMARKS.md).
    @Test func everyCommandNamesItself() throws {
        let sources = GoldenText.directory(#filePath, "../../Sources/dokuen")
        for file in try Posix.listDirectory(sources) where file.hasSuffix(".swift") {
            let text = String(decoding: try Posix.readFile(sources + "/" + file), as: UTF8.self)
            for call in text.components(separatedBy: "CommandConfiguration(").dropFirst() {
                let arguments = call.drop { $0 == " " || $0 == "\n" }
                #expect(arguments.hasPrefix("commandName:"), "\(file): CommandConfiguration(\(arguments.prefix(60))")
            }
        }
    }

    /// The bad-input table: every refusal is one `dokuen: error: invalid THING "X": REASON` line (then the usage),
    /// and exits 64.
    static let badInputs: [[String]] = [
        ["apps", "create", "Blog"], ["apps", "create", "../x"], ["apps", "create", "a b"],
        ["apps", "create", "caf\u{E9}"],
        ["apps", "create", "a\nb"], ["apps", "create", ""], ["apps", "create", String(repeating: "a", count: 64)],
        ["apps", "create", "-x"], ["apps", "info", "a;b"], ["apps", "destroy", "blog"],
        ["apps", "destroy", "blog", "--confirm", "other"], ["deploy", "Bad", "/tmp"],
        ["ps", "scale", "blog", "web=x"], ["ps", "scale", "blog", "web=-1"], ["ps", "scale", "blog", "w.b=1"],
        ["ps", "scale", "blog", "web"], ["ps", "scale", "blog", "web=100000"],
        ["scale", "web", "--application", "blog"],
        ["ps", "set", "blog", "w\u{E9}b", "nice=1"], ["ps", "set", "blog", "web"],
        ["ps", "set", "blog", "web", "nope=1"],
        ["ps", "set", "blog", "web", "nice=x"], ["ps", "set", "blog", "web", "stop_timeout=-1"],
        ["ps", "settings", "blog", "w.b"], ["status", "Bad:web"], ["status", "blog:web.0"], ["stop", "blog:web.x"],
        ["stop", "blog:w/b"], ["restart"], ["restart", "blog:web.1.2"], ["signal", "NOPE", "blog"],
        ["signal", "65", "blog"], ["pid", "blog"], ["pid", "blog:web"], ["config", "set", "blog", "A.B=1"],
        ["config", "set", "blog", "1A=1"], ["config", "set", "blog", "NOEQUALS"],

        ["config", "get", "blog", "A-B"], ["config", "unset", "blog", "A B"],
        ["config_set", "-V", "A.B=1", "--application", "blog"],
        ["config_delete", "A.B", "--application", "blog"], ["config", "--application=Blog"],
        ["config", "show", "blog", "--application=blog"], ["create", "--application=a_b"],
        ["run_command", "--application=blog"], ["run_command", "ls", "--application=blog", "--application=x"],
        ["install_buildpack", "https://example.com/heroku-buildpack-my_pack.git"],
        ["run", "blog", "--timeout", "0", "--", "ls"], ["rollback", "blog", "4"], ["rollback", "blog", "v0"],
        ["rollback", "blog", "vx"], ["logs", "blog", "--type", "w b"], ["logs", "blog", "-n", "-1"],
        ["logs", "blog", "-n", "10001"], ["tail", "blog"], ["tail", "blog:web"], ["tail", "blog:web.0"],
        ["run", "blog"], ["git", "set-branch", "blog", "a..b"], ["git", "set-branch", "blog", "-x"],
        ["checks", "set", "blog", "nope=1"], ["checks", "set", "blog", "attempts=x"], ["checks", "set", "blog"],
        ["domains", "add", "Bad", "example.com"], ["certs", "add", "Bad", "/a", "/b"],
        ["notify", "add", "sms", "+3312345678"], ["notify", "remove", "x"], ["notify", "test", "0"],
        ["keys", "add", "Bad/Name", "/x"],
        ["events", "Bad"], ["releases", "Bad"], ["logs", "Bad"],
        ["backup", "forget"], ["backup", "forget", "--keep-daily", "0"], ["backup", "forget", "--keep-last", "-1"],
        ["backup", "schedule", "daily 25:00"], ["backup", "schedule", "weekly someday 03:00"],
        ["backup", "schedule", "off", "--keep-daily", "3"],
        ["restore", "--from", "/srv/backup", "--option", "nokey"],
        ["restore", "--from", "/srv/backup", "--apps", "Bad"],
        ["restore", "--from", "/srv/backup", "--password-file", "/nonexistent/password"],
    ]

    @Test func errorLinesOfTheBadInputTable() throws {
        let temp = try TemporaryDirectory("cli-golden")
        defer { temp.remove() }
        var text = ""
        for arguments in Self.badInputs {
            let result = try dokuen(arguments, root: temp.path)
            text += "$ dokuen " + arguments.map(Self.shown).joined(separator: " ") + "\n"
            text +=
                "[\(result.status)]\n" + result.standardOutput
                + result.standardError.replacing(temp.path, with: "ROOT") + "\n"
        }
        let mismatch = try GoldenText(directory: Self.directory, name: "bad-input.txt").mismatch(text)
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }

    /// An argument as a reader would type it: bare when plain, else quoted for sh (control characters escaped).
    static func shown(_ argument: String) -> String {
        let plain =
            !argument.isEmpty
            && argument.unicodeScalars.allSatisfy {
                (0x21..<0x7F).contains($0.value) && !"'\"\\$`;&|<>()*?#~ ".unicodeScalars.contains($0)
            }
        if plain { return argument }
        return argument.unicodeScalars.allSatisfy { (0x20..<0x7F).contains($0.value) }
            ? Quoting.shell(argument) : "$" + Quoting.quoted(argument).replacing("\"", with: "'")
    }
}
