import ArgumentParser
import DokuenAPI

/// `dokuen domains list|add|remove APP [DOMAIN]`.
struct DomainsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domains", abstract: "Custom domains of an app (beside APP.<base domain>).",
        discussion: """
            nginx routes each domain to the app's web instances. A domain is a lowercase hostname (IDNA punycode \
            such as xn--bcher-kva.example is accepted); nothing else can reach the nginx config. Example: dokuen \
            domains add blog blog.example.com
            """,
        subcommands: [List.self, Add.self, Remove.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List an app's domains.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let domains = try DaemonClient(options).call("GET", "/v1/apps/\(app)/domains", as: [String].self)
            if options.json { return try printJSON(domains) }
            if domains.isEmpty { print("\(app) has no custom domain") }
            for domain in domains { print(domain) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a domain to an app.",
            discussion: """
                nginx routes it at once; it does not wait for a deploy in progress. One name, one owner: the base \
                domain itself, an app's own name (APP.<base domain>) and a domain another app holds are refused \
                (docs/ROUTING.md).
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The domain, e.g. blog.example.com.") var domain: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let domains = try DaemonClient(options).call(
                "POST", "/v1/apps/\(app)/domains", body: DomainRequest(hostname: domain), as: [String].self)
            if options.json { return try printJSON(domains) }
            print("Added \(domain.lowercased()) to \(app)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove a domain.",
            discussion: "At once; it does not wait for a deploy in progress.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The domain.") var domain: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let domains = try DaemonClient(options).call(
                "DELETE", "/v1/apps/\(app)/domains/\(percentEncoded(domain))", as: [String].self)
            if options.json { return try printJSON(domains) }
            print("Removed \(domain.lowercased()) from \(app)")
        }
    }
}
