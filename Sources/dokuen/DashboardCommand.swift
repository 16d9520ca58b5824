import ArgumentParser
import DokuenAPI

/// `dokuen dashboard token [--rotate] [--metrics]`: the web dashboard's secrets (docs/DASHBOARD.md).
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard", abstract: "The web dashboard's sign-in and metrics tokens.",
        discussion: """
            dokuend serves the dashboard when it starts with --dashboard 127.0.0.1:PORT (off by default). Open \
            http://127.0.0.1:PORT/ and sign in with the token this prints. To reach it from a phone, put it behind \
            the platform's nginx with TLS and access rules (docs/DASHBOARD.md).

            Examples:
              dokuen dashboard token             # the sign-in token (made at first)
              dokuen dashboard token --rotate    # a new one; every session ends
              dokuen dashboard token --metrics   # the bearer token of /metrics
            """,
        subcommands: [Token.self])

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token", abstract: "Print the dashboard's sign-in token, made the first time it is asked for.",
            discussion: """
                The token is 32 random bytes as 64 hex digits, kept 0600 under the root (dashboard/token). Anyone \
                with it can do in the dashboard what an admin does with dokuen. --rotate replaces it and signs \
                every session out. --metrics is about the separate token that Prometheus sends to /metrics \
                (Authorization: Bearer TOKEN), which signs nobody in. --json prints {kind, token, path, created}.
                """)
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Replace the token with a new one (sign-in: every session ends).") var rotate = false
        @Flag(help: "The /metrics bearer token instead of the sign-in token.") var metrics = false

        func run() async throws {
            let query = metrics ? "?metrics=1" : ""
            let path = rotate ? "/v1/dashboard/token/rotate" + query : "/v1/dashboard/token" + query
            let token = try DaemonClient(options).call(rotate ? "POST" : "GET", path, as: DashboardToken.self)
            if options.json { return try printJSON(token) }
            print(token.token)
        }
    }
}
