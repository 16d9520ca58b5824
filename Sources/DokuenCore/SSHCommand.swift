/// What an ssh client asked for, from `SSH_ORIGINAL_COMMAND` under an authorized_keys forced command
/// (`dokuen git-shell`) or a gitolite command. The text comes from whoever holds the key, so it is parsed, never
/// handed to a shell: a git transfer names one app's repository, and a `dokuen …` line is split by a strict tokenizer
/// that knows plain words and single-quoted strings only (sshd(8), "command=" in AUTHORIZED_KEYS FILE FORMAT).
public enum SSHCommand: Equatable, Sendable {
    /// `git-receive-pack '<app>.git'`: a push.
    case receivePack(AppName)
    /// `git-upload-pack '<app>.git'`: a fetch or clone.
    case uploadPack(AppName)
    /// `dokuen VERB …`: the arguments after `dokuen`, verb first.
    case dokuen([String])

    /// The verbs that may run over ssh: today's and Dokuen 2012's (`create`, `config_set`, `run_command`, …). Everything
    /// else (`deploy`, `hook`, `setup`, `keys`, `git-shell`, …) needs a local file or root, and is refused; so is
    /// `shutdown` without `--application` (it stops dokuend, which no one could start again over ssh). `run` and
    /// `run_command` run through dokuend when the caller cannot become the app's user: output only, no stdin.
    public static let remoteVerbs = Set<String>([
        "apps", "config", "ps", "status", "stop", "start", "restart", "signal", "pid", "releases", "rollback",
        "logs", "tail", "events", "git", "buildpacks", "run", "version", "help", "--help", "--version",
    ])
    .union(Dokuen2012.verbs)

    /// Why a command was refused: one line, safe to print and to log (control bytes are shown as `?`).
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// Parses `text`, the whole of `SSH_ORIGINAL_COMMAND`. An empty command (an interactive login) is refused.
    public static func parse(_ text: String) -> Result<SSHCommand, Refusal> {
        do { return .success(try parseOrThrow(text)) } catch { return .failure(error) }
    }

    static func parseOrThrow(_ text: String) throws(Refusal) -> SSHCommand {
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw Refusal("the command contains a newline or another control character")
        }
        if text.allSatisfy({ $0 == " " }) {
            throw Refusal("no interactive logins here; push with git, or run: ssh HOST dokuen VERB …")
        }
        let words = try tokenize(text)
        switch words.first {
        case "git-receive-pack": return .receivePack(try repository(words))
        case "git-upload-pack": return .uploadPack(try repository(words))
        case "dokuen":
            let arguments = Array(words.dropFirst())
            guard let verb = arguments.first else {
                throw Refusal("dokuen needs a verb; try: ssh HOST dokuen help")
            }
            guard remoteVerbs.contains(verb) else {
                throw Refusal("dokuen \(Quoting.printable(verb)) is not available over ssh")
            }
            if verb == "shutdown", Dokuen2012.splitApplication(arguments).values.isEmpty {
                throw Refusal(
                    "dokuen shutdown stops dokuend, which no one could start again over ssh; run it on the host "
                        + "(shutdown --application=APP stops an app)")
            }
            if let root = arguments.first(where: { $0 == "--root" || $0.hasPrefix("--root=") }) {
                throw Refusal(
                    "\(Quoting.printable(root)) is not allowed over ssh; the root is fixed by the forced command")
            }
            return .dokuen(arguments)
        default:
            throw Refusal(
                "\(Quoting.printable(words.first ?? "")) is not allowed; only git-receive-pack, git-upload-pack and dokuen run here"
            )
        }
    }

    /// The app a git transfer names: exactly one argument, `'blog.git'`, `'/blog.git'`, `blog.git` or `blog`, and
    /// then an app name (so no `..`, no `/` inside, no uppercase, no metacharacters) before any path is made of it.
    static func repository(_ words: [String]) throws(Refusal) -> AppName {
        guard words.count == 2 else { throw Refusal("\(words[0]) takes exactly one repository") }
        var name = Substring(words[1])
        if name.hasPrefix("/") { name = name.dropFirst() }
        if name.hasSuffix(".git") { name = name.dropLast(4) }
        do {
            return try AppName(String(name))
        } catch {
            throw Refusal("invalid repository '\(Quoting.printable(words[1]))': \(error.description)")
        }
    }

    /// Splits a line into words as sh would, for the two forms ssh clients send: plain words (letters, digits and
    /// `-_.,:/=@+%^`) and single-quoted strings, which may sit next to each other (`X='a b'` is one word). Anything
    /// sh would interpret — `;|&$`()<>`, backslashes, double quotes, globs — outside single quotes is refused.
    static func tokenize(_ text: String) throws(Refusal) -> [String] {
        var words: [String] = []
        var word: String? = nil
        var quoted = false
        for scalar in text.unicodeScalars {
            if quoted {
                if scalar == "'" { quoted = false } else { word!.unicodeScalars.append(scalar) }
                continue
            }
            switch scalar {
            case " ":
                if let finished = word { words.append(finished) }
                word = nil
            case "'":
                quoted = true
                word = word ?? ""
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", ",", ":", "/", "=", "@", "+", "%", "^":
                word = (word ?? "") + String(scalar)
            default:
                let shown = scalar.isASCII ? "'\(scalar)'" : "a non-ASCII character"
                throw Refusal("\(shown) is not allowed outside single quotes; no shell runs here")
            }
        }
        if quoted { throw Refusal("a single quote is not closed") }
        if let finished = word { words.append(finished) }
        return words
    }
}
