import ArgumentParser
import DokuenCore
import DokuenPosix

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `dokuen keys add|list|remove`: the ssh keys that may push and run verbs, as lines of an authorized_keys file whose
/// forced command is `dokuen git-shell` (sshd(8), AUTHORIZED_KEYS FILE FORMAT). Each line carries the key's name, which
/// the event log shows as the actor. Lines that dokuen did not write are kept as they are.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the ssh keys that may push and run dokuen verbs over ssh.",
        discussion: """
            Each key is one line of the authorized_keys file of the user running this (or --file PATH):
              command="'DOKUEN' git-shell --root 'ROOT' --key NAME",no-port-forwarding,no-X11-forwarding,\
            no-agent-forwarding,no-pty,no-user-rc,restrict TYPE BASE64 dokuen:NAME
            so the key can only push, fetch and run the verbs dokuen git-shell allows. The ssh user must own the \
            apps' repositories: on a root install that is the `dokuen` user (see etc/ssh/README.md).
            """,
        subcommands: [Add.self, List.self, Remove.self])

    /// Key types sshd accepts that dokuen takes; DSA and other legacy types are refused.
    static let keyTypes: Set<String> = [
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// Options shared by the verbs.
    struct FileOptions: ParsableArguments {
        @Option(help: "The authorized_keys file (default: ~/.ssh/authorized_keys of the user running this).")
        var file: String?
        @Option(
            help: """
                As root: the ssh user who owns the file and its directory (e.g. dokuen); sshd reads the file with \
                that user's rights. Without it, a file keeps its owner.
                """)
        var owner: String?

        /// The file's path: --file, or the running user's own file from the password database (not $HOME, which
        /// sudo may keep).
        func path() throws -> String {
            if let file {
                guard file.hasPrefix("/") else { throw ValidationError("--file must be an absolute path") }
                return file
            }
            guard let entry = UserEntry.withID(Posix.geteuid()) else {
                throw CLIError(message: "unable to find the home directory of uid \(Posix.geteuid())")
            }
            return entry.home + "/.ssh/authorized_keys"
        }
    }

    /// A key's name: lowercase letters, digits and `-`, 1 to 32 characters (it appears in the forced command, the
    /// file and the event log).
    static func validateName(_ name: String) throws {
        guard (1...32).contains(name.utf8.count),
            name.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 })
        else {
            throw ValidationError(
                "invalid key name \(Quoting.quoted(name)): use 1 to 32 lowercase letters, digits and '-'")
        }
    }

    /// `(type, base64)` of a public key line (`TYPE BASE64 [COMMENT]`), checked strictly: a known type, canonical
    /// base64, and a blob that names the same type. A line with options in front of the key is refused.
    static func parseKey(_ text: String) throws -> (type: String, blob: String) {
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).filter {
            !$0.allSatisfy({ $0 == " " || $0 == "\t" }) && !$0.hasPrefix("#")
        }
        guard lines.count == 1 else { throw ValidationError("expected one public key line, found \(lines.count)") }
        let fields = lines[0].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count >= 2, keyTypes.contains(fields[0]) else {
            throw ValidationError(
                "not a public key line: it must start with one of \(keyTypes.sorted().joined(separator: ", "))")
        }
        let blob = fields[1]
        guard blob.utf8.count % 4 == 0,
            blob.utf8.allSatisfy({
                (65...90).contains($0) || (97...122).contains($0) || (48...57).contains($0) || $0 == 43 || $0 == 47
                    || $0 == 61
            }),
            let data = Data(base64Encoded: blob), data.count > 4
        else { throw ValidationError("the key's base64 is invalid") }
        let bytes = [UInt8](data)
        let length = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length == fields[0].utf8.count, bytes.count >= 4 + length,
            String(decoding: bytes[4..<(4 + length)], as: UTF8.self) == fields[0]
        else { throw ValidationError("the key's data is not a \(fields[0]) key") }
        return (fields[0], blob)
    }

    /// The name on a line that dokuen wrote (`… dokuen:NAME` after a `command="…git-shell…"`), nil for others.
    static func name(of line: Substring) -> String? {
        guard line.hasPrefix("command=\""), line.contains(" git-shell "),
            let last = line.split(separator: " ").last, last.hasPrefix("dokuen:")
        else { return nil }
        return String(last.dropFirst("dokuen:".count))
    }

    /// The authorized_keys line of a key: the forced command with absolute, sh-quoted paths (sshd runs it with the
    /// user's shell), then every restriction.
    static func line(name: String, type: String, blob: String, dokuen: String, root: String, allowCreate: Bool)
        -> String
    {
        let command =
            "\(Quoting.shell(dokuen)) git-shell --root \(Quoting.shell(root)) --key \(name)"
            + (allowCreate ? " --allow-create" : "")
        return "command=\"\(command)\",no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty,no-user-rc,"
            + "restrict \(type) \(blob) dokuen:\(name)"
    }

    static func readLines(_ path: String) throws -> [Substring] {
        guard try Posix.lstat(path) != nil else { return [] }
        return String(decoding: try Posix.readFile(path), as: UTF8.self).split(separator: "\n")
    }

    /// Writes the file atomically with mode 0600 (its directory 0700 when dokuen makes it), keeping the owner of
    /// the file it replaces: sshd's StrictModes wants the user or root to own it.
    static func write(_ lines: [Substring], to path: String, owner: String?) throws {
        var ids: (uid: UInt32, gid: UInt32)? = nil
        if let owner {
            guard let entry = UserEntry.named(owner) else { throw ValidationError("no user \(owner)") }
            ids = (entry.uid, entry.gid)
        }
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty, !Posix.isDirectory(directory) {
            try Posix.mkdir(directory, mode: 0o700)
            if let ids { try chown(directory, ids) }
        }
        if ids == nil, let before = try Posix.lstat(path) { ids = (before.uid, before.gid) }
        let text = lines.map { $0 + "\n" }.joined()
        try AtomicFile.write(Array(text.utf8), to: path, mode: 0o600)
        if let ids, ids.uid != Posix.geteuid() || ids.gid != Posix.getegid() { try chown(path, ids) }
    }

    static func chown(_ path: String, _ ids: (uid: UInt32, gid: UInt32)) throws {
        do { try Posix.chown(path, uid: ids.uid, gid: ids.gid) } catch {
            throw CLIError(message: "unable to chown \(path): \(error.code)")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a public key under a name (from a file, or - for stdin).")

        @OptionGroup var options: GlobalOptions
        @OptionGroup var file: FileOptions
        @Argument(help: "The key's name: the event log names it.") var name: String
        @Argument(help: "A public key file such as id_ed25519.pub, or - for stdin.") var keyFile: String = "-"
        @Flag(help: "Pushes with this key may create apps that do not exist yet.") var allowCreate = false

        func validate() throws { try KeysCommand.validateName(name) }

        func run() async throws {
            let text: String
            if keyFile == "-" {
                var lines: [String] = []
                while let line = readLine() { lines.append(line) }
                text = lines.joined(separator: "\n")
            } else {
                text = String(decoding: try Posix.readFile(keyFile), as: UTF8.self)
            }
            let key = try KeysCommand.parseKey(text)
            let root = try GitShellCommand.root(options)
            let dokuen = Posix.executableDirectory() + "/dokuen"
            for path in [root, dokuen] where path.contains(where: { "'\"\\\n".contains($0) }) {
                throw ValidationError("the path \(path) has a quote, a backslash or a newline; it cannot be quoted")
            }
            let path = try file.path()
            var lines = try KeysCommand.readLines(path)
            if lines.contains(where: { KeysCommand.name(of: $0) == name }) {
                throw ValidationError("a key named \(name) is already in \(path); remove it first")
            }
            if lines.contains(where: { $0.split(separator: " ").contains(Substring(key.blob)) }) {
                throw ValidationError("this key is already in \(path); a key can have one line only")
            }
            lines.append(
                Substring(
                    KeysCommand.line(
                        name: name, type: key.type, blob: key.blob, dokuen: dokuen, root: root,
                        allowCreate: allowCreate)))
            try KeysCommand.write(lines, to: path, owner: file.owner)
            print("Added the key \(name) (\(key.type)) to \(path)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the keys dokuen added, by name.")

        @OptionGroup var options: GlobalOptions
        @OptionGroup var file: FileOptions

        func run() async throws {
            var entries: [[String: String]] = []
            for line in try KeysCommand.readLines(try file.path()) {
                guard let name = KeysCommand.name(of: line) else { continue }
                let fields = line.split(separator: " ")
                let type = fields.count >= 3 ? String(fields[fields.count - 3]) : "?"
                entries.append(["name": name, "type": type])
            }
            if options.json { return try printJSON(entries) }
            for entry in entries { print("\(entry["name"]!)  \(entry["type"]!)") }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove the key with this name.")

        @OptionGroup var options: GlobalOptions
        @OptionGroup var file: FileOptions
        @Argument(help: "The key's name.") var name: String

        func validate() throws { try KeysCommand.validateName(name) }

        func run() async throws {
            let path = try file.path()
            let lines = try KeysCommand.readLines(path)
            let kept = lines.filter { KeysCommand.name(of: $0) != name }
            guard kept.count < lines.count else {
                throw CLIError(message: "unable to find a key named \(name) in \(path)")
            }
            try KeysCommand.write(kept, to: path, owner: file.owner)
            print("Removed the key \(name) from \(path)")
        }
    }
}
