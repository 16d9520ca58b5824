import ArgumentParser
import DokuenAPI
import DokuenCore

/// `dokuen git set-branch APP BRANCH`: which branch a push deploys.
struct GitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git", abstract: "Git push settings of an app.", subcommands: [SetBranch.self])

    struct SetBranch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-branch", abstract: "Choose the branch whose pushes deploy.",
            discussion: """
                By default a push of main deploys (or of master while the repository has no main); pushes of \\
                other branches are accepted without a deploy. --default goes back to that. Example: dokuen git \\
                set-branch blog production
                """)

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The branch, e.g. production.") var branch: String?
        @Flag(help: "Deploy main (or master) again.") var `default` = false

        func validate() throws {
            try validateApp(app)
            guard (branch != nil) != `default` else {
                throw ValidationError("give a branch or --default (one of them)")
            }
            if let branch {
                do { _ = try BranchName(branch) } catch { throw ValidationError(error.description) }
            }
        }

        func run() async throws {
            let info = try DaemonClient(options).call(
                "POST", "/v1/apps/\(app)/git", body: GitSettings(deployBranch: branch), as: AppInfo.self)
            if options.json { return try printJSON(info) }
            print("Pushes of \(info.deployBranch ?? "main (or master while there is no main)") deploy \(app)")
        }
    }
}
