/// The verbs of Dokuen 2012 (the Ruby tool: `dokuen create --application=NAME`, `config_set -V K=V`, …), which the CLI
/// keeps as hidden commands mapped onto today's verbs, and the pure rules they need: which app an
/// `--application=NAME` or `--application NAME` names, what gitolite must allow for each verb, and the buildpack name
/// that `install_buildpack URL` derives.
public enum Dokuen2012 {
    /// The 2012 verbs that are commands of their own (hidden from the main help). `config`, `restart`, `shutdown` and
    /// `buildpacks` are today's verbs, which take `--application` too.
    public static let ownVerbs: Set<String> = [
        "create", "config_set", "config_delete", "scale", "run_command", "install_buildpack", "remove_buildpack",
    ]

    /// Every verb of the 2012 README.
    public static let verbs: Set<String> = ownVerbs.union(["config", "restart", "shutdown", "buildpacks"])

    /// The words before a `--` with every `--application=NAME` and `--application NAME` taken out, the values in
    /// order, and the words from the `--` on, untouched (they belong to a command: `run_command -- …`).
    public static func splitApplication(_ arguments: [String]) -> (values: [String], rest: [String]) {
        var values: [String] = []
        var rest: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" {
                rest += arguments[index...]
                break
            }
            if word.hasPrefix("--application=") {
                values.append(String(word.dropFirst("--application=".count)))
            } else if word == "--application" {
                values.append(index + 1 < arguments.count ? arguments[index + 1] : "")
                index += 1
            } else {
                rest.append(word)
            }
            index += 1
        }
        return (values, rest)
    }

    /// The one app that `--application` names in `arguments` (before any `--`), nil when none does. Given twice, or
    /// without a valid app name, it is refused: the app whose rights are checked must be the app the verb acts on.
    public static func application(in arguments: [String]) throws(SSHCommand.Refusal) -> AppName? {
        let values = splitApplication(arguments).values
        guard let value = values.first else { return nil }
        guard values.count == 1 else { throw SSHCommand.Refusal("give --application once") }
        do { return try AppName(value) } catch {
            throw SSHCommand.Refusal("invalid --application: \(error.description)")
        }
    }

    /// `install_buildpack URL`'s name: the URL's last path component, minus `.git` and a `heroku-buildpack-` prefix,
    /// lowercased; `https://github.com/heroku/heroku-buildpack-Clojure.git#v90` → `clojure`. A `#REF` and a trailing
    /// `/` are ignored. The result must be a buildpack name (`[a-z0-9-]`, 1 to 63 characters, not starting with
    /// `-`), or the reason it is not is returned.
    public static func buildpackName(fromURL url: String) -> Result<String, SSHCommand.Refusal> {
        var path = Substring(url)
        if let hash = path.firstIndex(of: "#") { path = path[..<hash] }
        while path.hasSuffix("/") { path = path.dropLast() }
        var name = path.split(separator: "/").last.map(String.init) ?? ""
        if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }  // host:repo.git
        if name.hasSuffix(".git") { name = String(name.dropLast(4)) }
        name = name.lowercased()
        if name.hasPrefix("heroku-buildpack-") { name = String(name.dropFirst("heroku-buildpack-".count)) }
        let scalars = Array(name.unicodeScalars)
        let valid =
            !scalars.isEmpty && scalars.count <= 63 && scalars[0] != "-"
            && scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard valid else {
            return .failure(
                .init(
                    "unable to name a buildpack after \(Quoting.quoted(url)): \(Quoting.quoted(name)) is not a buildpack "
                        + "name (a-z, 0-9 and '-', 1 to 63 characters); use dokuen buildpacks install NAME URL"))
        }
        return .success(name)
    }

    /// A gitolite permission a verb needs: R or W on a repository (an app's, or `gitolite-admin` for verbs about
    /// the whole platform).
    public struct Need: Equatable, Sendable, CustomStringConvertible {
        public let repository: String
        public let permission: String
        public init(_ repository: String, _ permission: String) {
            self.repository = repository
            self.permission = permission
        }
        public var description: String { "\(permission) on \(repository)" }
    }

    /// The gitolite permissions a verb needs, today's and 2012's (`GitoliteCommand`); none for help and version.
    /// Reading verbs need R on the repository named like the app, changing verbs W, and verbs about everything
    /// W on gitolite-admin. `--application NAME` names the app for 2012's verbs (and for `config`, `restart`,
    /// `shutdown`); `create` needs W on the repository named like the new app, as `apps create` does: only the
    /// gitolite admin's conf can give it, so the admin chose beforehand who may create that app.
    public static func gitoliteNeeds(_ arguments: [String]) -> Result<[Need], SSHCommand.Refusal> {
        do { return .success(try needs(arguments)) } catch { return .failure(error) }
    }

    static let admin = [Need("gitolite-admin", "W")]

    static func needs(_ arguments: [String]) throws(SSHCommand.Refusal) -> [Need] {
        guard let verb = arguments.first else { throw .init("no verb") }
        let application = try Self.application(in: arguments)
        let rest = Array(splitApplication(arguments).rest.dropFirst())
        if application != nil, !verbs.contains(verb) {
            throw .init(
                "--application is for Dokuen 2012's verbs (\(verbs.sorted().joined(separator: ", "))); "
                    + "with dokuen \(Quoting.printable(verb)), name the app after the verb")
        }
        func named(_ permission: String) throws(SSHCommand.Refusal) -> [Need] {
            guard let application else { throw .init("dokuen \(verb) needs --application=APP") }
            return [Need(application.rawValue, permission)]
        }
        func app(at index: Int, _ permission: String) throws(SSHCommand.Refusal) -> [Need] {
            guard index < rest.count, !rest[index].hasPrefix("-"), (try? AppName(rest[index])) != nil else {
                throw .init("over gitolite, give the app right after the verb: dokuen \(verb) … APP")
            }
            return [Need(rest[index], permission)]
        }
        switch verb {
        case "help", "--help", "version", "--version": return []
        case "buildpacks", "install_buildpack", "remove_buildpack": return admin
        // `shutdown` without --application stops dokuend and never gets here: SSHCommand refuses it.
        case "create", "config_set", "config_delete", "scale", "run_command", "shutdown": return try named("W")
        case "apps":
            switch rest.first {
            case "list", nil: return admin
            case "info": return try app(at: 1, "R")
            default: return try app(at: 1, "W")
            }
        case "config":
            if application != nil {
                guard rest.isEmpty || rest == ["show"] else {
                    throw .init("dokuen config --application=APP shows the config; to change it use config_set")
                }
                return try named("R")
            }
            return try app(at: 1, rest.first == "show" ? "R" : "W")
        case "ps": return try app(at: 1, rest.first == "show" ? "R" : "W")
        case "git": return try app(at: 1, "W")
        case "releases": return try app(at: 0, "R")
        case "rollback", "run": return try app(at: 0, "W")
        case "logs": return try app(at: 0, "R")
        case "events": return try rest.isEmpty ? admin : app(at: 0, "R")
        case "status", "pid", "tail", "stop", "start", "restart", "signal":
            let permission = ["status", "pid", "tail"].contains(verb) ? "R" : "W"
            // Every word that is not an option is a target (APP, APP:TYPE, APP:TYPE.N), except signal's name.
            let targets = rest.filter { !$0.hasPrefix("-") }.dropFirst(verb == "signal" ? 1 : 0)
            if let application, targets.isEmpty { return [Need(application.rawValue, permission)] }
            if targets.isEmpty || targets.contains("all") { return admin }
            var needs = application.map { [Need($0.rawValue, permission)] } ?? []
            for target in targets {
                let name = String(target.prefix { $0 != ":" })
                guard (try? AppName(name)) != nil else {
                    throw .init("invalid target \(Quoting.quoted(target)): use APP, APP:TYPE or APP:TYPE.N")
                }
                needs.append(Need(name, permission))
            }
            return needs
        default: throw .init("dokuen \(Quoting.printable(verb)) is not available over gitolite")
        }
    }
}
