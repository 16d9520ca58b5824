import ArgumentParser
import DokuenAPI
import DokuenPosix

/// `dokuen access [show] APP`, `access allow|deny APP CIDR…`, `access basic-auth APP USER`, `access clear APP`.
struct AccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access", abstract: "Who may reach an app: address rules and basic auth (private apps).",
        discussion: """
            An app's or a proxy's (dokuen proxies). nginx checks the client's address against the rules, every deny first, then every allow; once \
            there is an allow, every other address is denied (403). An address is IPv4 or IPv6 with an optional \
            prefix length (192.168.1.0/24, 10.0.0.7, fd00::/8), given as the network: host bits below the prefix \
            are refused. Behind a proxy (a router, a tunnel), the client address is taken from X-Forwarded-For \
            only when the proxy is trusted: dokuend --trusted-proxy CIDR. With basic auth too, a client needs both. \
            ACME http-01 challenges stay open to all.

            Basic auth: the password is read from the terminal without echo (twice), or as one line from standard \
            input when it is not a terminal; it is hashed here with openssl passwd -6 (SHA-crypt) and only the hash \
            is stored, in <root>/apps/APP/htpasswd (0640, nginx's group). A user name is 1 to 64 printable ASCII \
            characters without ':', spaces, quotes or '\\'.

            Examples:
              dokuen access allow nas 192.168.1.0/24 fd00::/8
              dokuen access deny blog 203.0.113.7
              dokuen access basic-auth nas alice
              echo "$PASSWORD" | dokuen access basic-auth nas ci
              dokuen access nas              # the rules and users (never the hashes)
              dokuen access clear nas        # open to all again
            """,
        subcommands: [Show.self, Allow.self, Deny.self, BasicAuth.self, Clear.self], defaultSubcommand: Show.self)

    static func report(_ info: AccessInfo, _ options: GlobalOptions) throws {
        if options.json { return try printJSON(info) }
        if info.allow.isEmpty && info.deny.isEmpty && info.users.isEmpty {
            print("\(info.app) is open to all")
            return
        }
        for cidr in info.deny { print("deny  \(cidr)") }
        for cidr in info.allow { print("allow \(cidr)") }
        if !info.allow.isEmpty { print("deny  all others") }
        for user in info.users { print("basic-auth \(user)") }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show an app's address rules and basic-auth users.",
            discussion: "--json prints {app, allow, deny, users}; password hashes are never shown.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            try report(try DaemonClient(options).call("GET", "/v1/apps/\(app)/access", as: AccessInfo.self), options)
        }
    }

    struct Allow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allow", abstract: "Allow these networks; every other address is then denied.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "Networks, e.g. 192.168.1.0/24 or fd00::/8.") var cidrs: [String]

        func validate() throws { try validateApp(app) }

        func run() async throws {
            try report(
                try DaemonClient(options).call(
                    "POST", "/v1/apps/\(app)/access", body: AccessRequest(allow: cidrs), as: AccessInfo.self), options)
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deny", abstract: "Deny these networks (403); checked before any allow.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "Networks, e.g. 203.0.113.7 or 2001:db8::/32.") var cidrs: [String]

        func validate() throws { try validateApp(app) }

        func run() async throws {
            try report(
                try DaemonClient(options).call(
                    "POST", "/v1/apps/\(app)/access", body: AccessRequest(deny: cidrs), as: AccessInfo.self), options)
        }
    }

    struct BasicAuth: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "basic-auth", abstract: "Add a basic-auth user, or set its password.",
            discussion: """
                The password comes from the terminal (no echo, asked twice) or from one line of standard input. It \
                is hashed with openssl passwd -6, its input on a pipe (never an argument).
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The user name.") var user: String

        func validate() throws {
            try validateApp(app)
            if let reason = AccessCommand.userRefusal(user) { throw ValidationError(reason) }
        }

        func run() async throws {
            let password = try AccessCommand.readPassword()
            let hash = try AccessCommand.hash(password)
            try report(
                try DaemonClient(options).call(
                    "POST", "/v1/apps/\(app)/access", body: AccessRequest(user: user, hash: hash), as: AccessInfo.self),
                options)
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear", abstract: "Remove every rule and user: the app is open to all again.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            try report(
                try DaemonClient(options).call(
                    "POST", "/v1/apps/\(app)/access", body: AccessRequest(clear: true), as: AccessInfo.self), options)
        }
    }

    /// The CLI's own check of a user name, the same rules as the daemon's (`BasicAuthUser`), before a password is
    /// asked for.
    static func userRefusal(_ user: String) -> String? {
        guard !user.isEmpty, user.utf8.count <= 64 else {
            return "invalid user name \"\(user)\": it must be 1 to 64 characters"
        }
        let refused = user.unicodeScalars.contains { !("!"..."~").contains($0) || ":\"'\\".unicodeScalars.contains($0) }
        if refused {
            return "invalid user name \"\(user)\": only printable ASCII without ':', spaces, quotes or '\\' is allowed"
        }
        return nil
    }

    /// From the terminal without echo, asked twice; else one line of standard input.
    static func readPassword() throws -> [UInt8] {
        func line() throws -> [UInt8] {
            guard let line = try Terminal.readLine(0) else {
                throw CLIError(message: "unable to read a password: no input")
            }
            return line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : line
        }
        let password: [UInt8]
        if Posix.isTerminal(0) {
            try? Posix.writeAll(2, Array("Password: ".utf8))
            let first = try Terminal.withoutEcho(0) { try line() }
            try? Posix.writeAll(2, Array("\nAgain: ".utf8))
            let second = try Terminal.withoutEcho(0) { try line() }
            try? Posix.writeAll(2, Array("\n".utf8))
            guard first == second else { throw CLIError(message: "unable to set the password: the two differ") }
            password = first
        } else {
            password = try line()
        }
        guard !password.isEmpty else { throw CLIError(message: "unable to set the password: it is empty") }
        guard !password.contains(0) else { throw CLIError(message: "unable to set the password: it holds a NUL byte") }
        return password
    }

    /// `openssl passwd -6 -stdin`, the password on a pipe: the hash line.
    static func hash(_ password: [UInt8]) throws -> String {
        guard
            let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"].first(where: {
                Posix.isExecutableFile($0)
            })
        else {
            throw CLIError(message: "unable to hash the password: openssl is not installed (apt-get install openssl)")
        }
        let input = try Posix.pipe()
        let output = try Posix.pipe()
        try Posix.writeAll(input.write, password + [UInt8(ascii: "\n")])
        Posix.close(input.write)
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                openssl, arguments: ["passwd", "-6", "-stdin"], environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"],
                stdin: input.read, stdout: output.write, stderr: 2)
        } catch {
            Posix.close(input.read)
            Posix.close(output.read)
            Posix.close(output.write)
            throw error
        }
        Posix.close(input.read)
        Posix.close(output.write)
        defer { Posix.close(output.read) }
        var text: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try Posix.read(output.read, into: &buffer)
            if count == 0 { break }
            text += buffer[0..<count]
        }
        guard try child.wait() == .exited(0),
            let line = String(validating: text, as: UTF8.self)?.split(separator: "\n").first
        else { throw CLIError(message: "unable to hash the password: openssl passwd failed") }
        return String(line)
    }
}
