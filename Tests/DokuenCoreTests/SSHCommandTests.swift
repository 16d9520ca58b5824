import Testing

@testable import DokuenCore

/// `SSH_ORIGINAL_COMMAND` as the forced command sees it: git transfers of one app's repository and `dokuen` verbs,
/// nothing else, and never anything a shell would interpret.
@Suite struct SSHCommandTests {
    static let accepted: [(String, SSHCommand)] = [
        ("git-receive-pack 'blog.git'", .receivePack(try! AppName("blog"))),
        ("git-receive-pack '/blog.git'", .receivePack(try! AppName("blog"))),
        ("git-receive-pack blog", .receivePack(try! AppName("blog"))),
        ("git-receive-pack blog.git", .receivePack(try! AppName("blog"))),
        ("git-upload-pack 'my-app-2.git'", .uploadPack(try! AppName("my-app-2"))),
        ("dokuen status", .dokuen(["status"])),
        ("dokuen config set blog X=1", .dokuen(["config", "set", "blog", "X=1"])),
        ("dokuen  config   set blog X=1 ", .dokuen(["config", "set", "blog", "X=1"])),
        (
            "dokuen config set blog 'URL=pg://u:p@h/d?a=1&b=$2;'",
            .dokuen(["config", "set", "blog", "URL=pg://u:p@h/d?a=1&b=$2;"])
        ),
        ("dokuen config set blog X='a b'", .dokuen(["config", "set", "blog", "X=a b"])),
        ("dokuen config set blog X=''", .dokuen(["config", "set", "blog", "X="])),
        ("dokuen config set blog ''", .dokuen(["config", "set", "blog", ""])),
        ("dokuen logs blog --type web -n 10", .dokuen(["logs", "blog", "--type", "web", "-n", "10"])),
        ("dokuen status blog:web.1 --json", .dokuen(["status", "blog:web.1", "--json"])),
        ("dokuen help", .dokuen(["help"])),
        ("dokuen run blog -- sh", .dokuen(["run", "blog", "--", "sh"])),
        // Dokuen 2012's README, word for word.
        ("dokuen create --application=blog", .dokuen(["create", "--application=blog"])),
        (
            "dokuen config_set -V KEY=val -V KEY2=val --application=blog",
            .dokuen(["config_set", "-V", "KEY=val", "-V", "KEY2=val", "--application=blog"])
        ),
        (
            "dokuen config_set -V A=1 B=2 --application blog",
            .dokuen(["config_set", "-V", "A=1", "B=2", "--application", "blog"])
        ),
        ("dokuen config --application=blog", .dokuen(["config", "--application=blog"])),
        ("dokuen config_delete K K2 --application=blog", .dokuen(["config_delete", "K", "K2", "--application=blog"])),
        ("dokuen scale web=1 --application=blog", .dokuen(["scale", "web=1", "--application=blog"])),
        ("dokuen restart --application=blog", .dokuen(["restart", "--application=blog"])),
        ("dokuen shutdown --application=blog", .dokuen(["shutdown", "--application=blog"])),
        ("dokuen shutdown --application blog", .dokuen(["shutdown", "--application", "blog"])),
        (
            "dokuen run_command --application=blog 'echo hi; exit 3'",
            .dokuen(["run_command", "--application=blog", "echo hi; exit 3"])
        ),
        ("dokuen run_command --application=blog exit 3", .dokuen(["run_command", "--application=blog", "exit", "3"])),
        ("dokuen buildpacks", .dokuen(["buildpacks"])),
        (
            "dokuen install_buildpack https://example.com/heroku-buildpack-ruby.git",
            .dokuen(["install_buildpack", "https://example.com/heroku-buildpack-ruby.git"])
        ),
        ("dokuen remove_buildpack ruby", .dokuen(["remove_buildpack", "ruby"])),
        ("dokuen help config_set", .dokuen(["help", "config_set"])),
    ]

    static let shutdownRefusal =
        "dokuen shutdown stops dokuend, which no one could start again over ssh; run it on the host "
        + "(shutdown --application=APP stops an app)"

    @Test(arguments: 0..<accepted.count)
    func accepts(_ index: Int) {
        let (text, expected) = Self.accepted[index]
        #expect(SSHCommand.parse(text) == .success(expected), "\(text)")
    }

    static let refused: [(String, String)] = [
        ("", "no interactive logins here; push with git, or run: ssh HOST dokuen VERB …"),
        ("ls /", "ls is not allowed; only git-receive-pack, git-upload-pack and dokuen run here"),
        ("sh -c id", "sh is not allowed; only git-receive-pack, git-upload-pack and dokuen run here"),
        (
            "git-upload-archive 'blog.git'",
            "git-upload-archive is not allowed; only git-receive-pack, git-upload-pack and dokuen run here"
        ),
        (
            "git-receive-pack '../blog.git'",
            "invalid repository '../blog.git': "
                + "invalid app name \"../blog\": it contains '.' at position 1; only lowercase letters, digits and '-' are allowed"
        ),
        (
            "git-receive-pack 'a/b.git'",
            "invalid repository 'a/b.git': "
                + "invalid app name \"a/b\": it contains '/' at position 2; only lowercase letters, digits and '-' are allowed"
        ),
        (
            "git-receive-pack 'Blog.git'",
            "invalid repository 'Blog.git': "
                + "invalid app name \"Blog\": it contains uppercase 'B' at position 1; app names are lowercase"
        ),
        (
            "git-receive-pack '..'",
            "invalid repository '..': "
                + "invalid app name \"..\": it contains '.' at position 1; only lowercase letters, digits and '-' are allowed"
        ),
        (
            "git-receive-pack 'b$(id).git'",
            "invalid repository 'b$(id).git': "
                + "invalid app name \"b$(id)\": it contains '$' at position 2; only lowercase letters, digits and '-' are allowed"
        ),
        (
            "git-receive-pack '.git'",
            "invalid repository '.git': "
                + "invalid app name \"\": it is empty; an app name has 1 to 63 characters"
        ),
        ("git-receive-pack", "git-receive-pack takes exactly one repository"),
        ("git-receive-pack a b", "git-receive-pack takes exactly one repository"),
        ("git-receive-pack blog;id", "';' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status; id", "';' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status && id", "'&' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status | id", "'|' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status `id`", "'`' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status $(id)", "'$' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status > /etc/passwd", "'>' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status < x", "'<' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status \"x\"", "'\"' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status \\x", "'\\' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status *", "'*' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status ~", "'~' is not allowed outside single quotes; no shell runs here"),
        ("dokuen status é", "a non-ASCII character is not allowed outside single quotes; no shell runs here"),
        ("dokuen status\nid", "the command contains a newline or another control character"),
        ("dokuen\tstatus", "the command contains a newline or another control character"),
        ("dokuen config set blog 'a\nb'", "the command contains a newline or another control character"),
        ("dokuen status 'open", "a single quote is not closed"),
        ("dokuen", "dokuen needs a verb; try: ssh HOST dokuen help"),
        ("dokuen shutdown", Self.shutdownRefusal),
        ("dokuen shutdown --json", Self.shutdownRefusal),
        ("dokuen shutdown -- --application=blog", Self.shutdownRefusal),
        ("dokuen install_buildpacks x", "dokuen install_buildpacks is not available over ssh"),
        ("dokuen deploy blog /tmp", "dokuen deploy is not available over ssh"),
        ("dokuen hook pre-receive", "dokuen hook is not available over ssh"),
        ("dokuen keys add x", "dokuen keys is not available over ssh"),
        ("dokuen status --root /tmp", "--root is not allowed over ssh; the root is fixed by the forced command"),
        ("dokuen status --root=/tmp", "--root=/tmp is not allowed over ssh; the root is fixed by the forced command"),
    ]

    @Test(arguments: 0..<refused.count)
    func refuses(_ index: Int) {
        let (text, reason) = Self.refused[index]
        #expect(SSHCommand.parse(text) == .failure(SSHCommand.Refusal(reason)), "\(text)")
    }

    @Test func printableHidesControlBytesAndCutsLongText() {
        #expect(Quoting.printable("a\nb\u{7F}") == "a?b?")
        #expect(Quoting.printable(String(repeating: "x", count: 81)) == String(repeating: "x", count: 80) + "…")
    }
}
