import Testing

@testable import DokuenCore

/// Dokuen 2012's verbs: the app `--application` names, what gitolite must allow for each verb (today's verbs beside
/// them, unchanged), and the buildpack name `install_buildpack URL` derives.
@Suite(.timeLimit(.minutes(1))) struct Dokuen2012Tests {
    typealias Need = Dokuen2012.Need
    static let admin = [Need("gitolite-admin", "W")]

    static let granted: [([String], [Need])] = [
        (["create", "--application=blog"], [Need("blog", "W")]),
        (["create", "--application", "blog"], [Need("blog", "W")]),
        (["config", "--application=blog"], [Need("blog", "R")]),
        (["config", "show", "--application=blog"], [Need("blog", "R")]),
        (["config_set", "-V", "A=1", "-V", "B=2", "--application=blog"], [Need("blog", "W")]),
        (["config_set", "-V", "A=1", "B=2", "--application", "blog"], [Need("blog", "W")]),
        (["config_delete", "A", "B", "--application=blog"], [Need("blog", "W")]),
        (["scale", "web=1", "--application=blog"], [Need("blog", "W")]),
        (["restart", "--application=blog"], [Need("blog", "W")]),
        (["restart", "--application=blog", "shop:web"], [Need("blog", "W"), Need("shop", "W")]),
        (["shutdown", "--application=blog"], [Need("blog", "W")]),
        (["run_command", "--application=blog", "exit", "3"], [Need("blog", "W")]),
        (["run_command", "--application=blog", "--", "echo", "--application=shop"], [Need("blog", "W")]),
        (["buildpacks"], admin),
        (["buildpacks", "--application=blog"], admin),
        (["install_buildpack", "https://example.com/heroku-buildpack-ruby.git"], admin),
        (["install_buildpack", "/srv/ruby.git", "--application=blog"], admin),
        (["remove_buildpack", "ruby"], admin),
        // Today's verbs keep their rules.
        (["run", "blog", "--", "ls"], [Need("blog", "W")]),
        (["apps", "create", "blog"], [Need("blog", "W")]),
        (["apps"], admin),
        (["config", "show", "blog"], [Need("blog", "R")]),
        (["config", "set", "blog", "X=1"], [Need("blog", "W")]),
        (["status"], admin),
        (["status", "blog:web.1"], [Need("blog", "R")]),
        (["stop", "all"], admin),
        (["logs", "blog", "--type", "web"], [Need("blog", "R")]),
        (["help", "config_set"], []),
    ]

    @Test(arguments: 0..<granted.count)
    func needs(_ index: Int) {
        let (arguments, needs) = Self.granted[index]
        #expect(Dokuen2012.gitoliteNeeds(arguments) == .success(needs), "\(arguments)")
    }

    static let refused: [([String], String)] = [
        (["create"], "dokuen create needs --application=APP"),
        (["config_set", "-V", "A=1"], "dokuen config_set needs --application=APP"),
        (
            ["scale", "web=1", "--application=Blog"],
            "invalid --application: invalid app name \"Blog\": "
                + "it contains uppercase 'B' at position 1; app names are lowercase"
        ),
        (
            ["scale", "web=1", "--application"],
            "invalid --application: invalid app name \"\": "
                + "it is empty; an app name has 1 to 63 characters"
        ),
        (["scale", "web=1", "--application=blog", "--application=shop"], "give --application once"),
        (["run_command", "--application=blog", "echo", "--application=shop"], "give --application once"),
        (
            ["config", "set", "X=1", "--application=blog"],
            "dokuen config --application=APP shows the config; to change it use config_set"
        ),
        (
            ["logs", "--application=blog"],
            "--application is for Dokuen 2012's verbs (buildpacks, config, config_delete, "
                + "config_set, create, install_buildpack, remove_buildpack, restart, run_command, scale, shutdown); "
                + "with dokuen logs, name the app after the verb"
        ),
        (["shutdown"], "dokuen shutdown needs --application=APP"),
        (["run"], "over gitolite, give the app right after the verb: dokuen run … APP"),
        (["deploy", "blog", "/tmp"], "dokuen deploy is not available over gitolite"),
    ]

    @Test(arguments: 0..<refused.count)
    func refuses(_ index: Int) {
        let (arguments, reason) = Self.refused[index]
        #expect(Dokuen2012.gitoliteNeeds(arguments) == .failure(SSHCommand.Refusal(reason)), "\(arguments)")
    }

    @Test func applicationIsTakenOutBeforeTheTerminatorOnly() {
        let split = Dokuen2012.splitApplication(["scale", "--application", "blog", "web=1", "--", "--application=x"])
        #expect(split.values == ["blog"])
        #expect(split.rest == ["scale", "web=1", "--", "--application=x"])
    }

    static let buildpackNames: [(String, String)] = [
        ("https://github.com/heroku/heroku-buildpack-ruby.git", "ruby"),
        ("https://github.com/heroku/heroku-buildpack-Clojure.git#v90", "clojure"),
        ("git@github.com:heroku/heroku-buildpack-python.git", "python"),
        ("git@example.com:nodejs.git", "nodejs"),
        ("/srv/buildpacks/third-party", "third-party"),
        ("/srv/buildpacks/third-party.git/", "third-party"),
        ("https://example.com/buildpacks/go", "go"),
    ]

    @Test(arguments: 0..<buildpackNames.count)
    func buildpackName(_ index: Int) {
        let (url, name) = Self.buildpackNames[index]
        #expect(Dokuen2012.buildpackName(fromURL: url) == .success(name), "\(url)")
    }

    @Test func buildpackNameThatIsNoNameIsRefused() {
        for url in ["https://example.com/heroku-buildpack-.git", "/srv/my_pack.git", "https://example.com/", ""] {
            guard case .failure(let refusal) = Dokuen2012.buildpackName(fromURL: url) else {
                Issue.record("\(url) was accepted")
                continue
            }
            #expect(refusal.reason.hasPrefix("unable to name a buildpack after "), "\(refusal.reason)")
            #expect(refusal.reason.hasSuffix("; use dokuen buildpacks install NAME URL"), "\(refusal.reason)")
        }
    }
}
