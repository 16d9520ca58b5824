import ArgumentParser
import DokuenAPI

/// `dokuen proxies [list]`, `proxies add NAME URL [--domain D]`, `proxies remove NAME`.
struct ProxiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxies", abstract: "Outside services behind the same names: route a host name to an address.",
        discussion: """
            A proxy sends every request for its host name (NAME.<base domain>, or --domain) to an address Dokuen \
            does not run, such as a NAS's web UI, through the same nginx as the apps, with the same catch-all; \
            dokuen certs add NAME CERT KEY gives it TLS as it does an app. A proxy's name follows the app-name rules \
            and is no app's; its host name is claimed as an app's domain is (docs/ROUTING.md).

            The URL is http:// or https://, then an IPv4 address, an IPv6 address in brackets or a hostname, an \
            optional :PORT (1 to 65535) and an optional path of letters, digits and -._~/%!*+,=:@& only: no user \
            information, query, fragment, quotes, spaces, ';', '{}' or '$'. nginx tests the file before it is kept.

            Examples:
              dokuen proxies add nas http://192.168.1.10:8080
              dokuen proxies add printer https://[fd00::20]/ --domain printer.example.com
              dokuen proxies                  # name, host name, URL
              dokuen proxies remove nas
            """,
        subcommands: [List.self, Add.self, Remove.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the proxies.",
            discussion: "--json prints [{name, upstream, hostname}].")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let proxies = try DaemonClient(options).call("GET", "/v1/proxies", as: [ProxyInfo].self)
            if options.json { return try printJSON(proxies) }
            if proxies.isEmpty { print("no proxy") }
            for proxy in proxies { print("\(proxy.name)  \(proxy.hostname) -> \(proxy.upstream)") }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Route a host name to an outside address.",
            discussion: "nginx routes it at once; a URL or host name that is refused changes nothing.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The proxy's name (app-name rules).") var name: String
        @Argument(help: "Where requests go, e.g. http://192.168.1.10:8080.") var url: String
        @Option(help: ArgumentHelp("The host name (default: NAME.<base domain>).", valueName: "domain"))
        var domain: String?

        func validate() throws { try validateApp(name) }

        func run() async throws {
            let proxy = try DaemonClient(options).call(
                "POST", "/v1/proxies", body: ProxyRequest(name: name, upstream: url, domain: domain),
                as: ProxyInfo.self)
            if options.json { return try printJSON(proxy) }
            print("Added proxy \(proxy.name): \(proxy.hostname) -> \(proxy.upstream)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove a proxy, and its certificate.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The proxy.") var name: String

        func validate() throws { try validateApp(name) }

        func run() async throws {
            try DaemonClient(options).request("DELETE", "/v1/proxies/\(name)")
            print("Removed proxy \(name)")
        }
    }
}
