import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenSupervision

/// `dokuen restore --from REPO [SNAPSHOT]` (docs/BACKUP.md): a platform from a snapshot, made again on this root and
/// serving. The daemon does the work; this reads the password file and streams the steps.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Make the apps and add-ons of a backup snapshot again on this root.",
        discussion: """
            Restores a snapshot of `dokuen backup create` (default: the latest one tagged dokuen) onto an empty \
            root, typically on a new machine after scripts/up: apps with their users, config, domains, \
            certificates, checks, process settings, formation, cron state and data/ (SQLite databases from their \
            online copies); add-ons made again and their dumps restored; the git user's keys and buildpacks. Release \
            numbers and history are kept. Each app's current release is rebuilt from its commit in the restored \
            repository (or taken from the snapshot when it has builds made under this same root), started and \
            awaited until it serves; it ends with each app, its release and its URL.

            This dokuend's own settings win: its --ports (ports are leased anew, and linked add-on URLs follow their \
            add-on's new port), its --base-domain, its nginx. A root with apps or add-ons is refused unless --force, \
            which adds to it; an app or add-on of the same name is never replaced (the restore is refused before \
            any change). Refused with one line and no change: a missing repository, a wrong password, no such \
            snapshot, an --apps name the snapshot lacks, a snapshot of a newer dokuen.

            Examples:
              dokuen restore --from /mnt/backup --password-file /root/restic.pass
              dokuen restore --from sftp:nas:/bk 4f2a9c1e --apps blog --password-file pw
              dokuen restore --root /srv/staging --from /mnt/backup --password-file pw
            """)

    @OptionGroup var options: GlobalOptions
    @Option(
        name: .customLong("from"),
        help: ArgumentHelp(
            "The restic repository (a directory, sftp:…, s3:…, rest:…); default: this dokuend's --backup-repo.",
            valueName: "repo"))
    var repository: String?
    @Argument(help: "A snapshot id or a unique prefix of one (default: the latest snapshot tagged dokuen).")
    var snapshot: String?
    @Option(
        help: ArgumentHelp(
            "A file holding the repository's password; default: this dokuend's --backup-password-file, for its own "
                + "repository.", valueName: "file"))
    var passwordFile: String?
    @Option(
        name: .customLong("option"),
        help: ArgumentHelp(
            "A restic option (-o KEY=VALUE), such as sftp.command=…; repeatable.", valueName: "key=value"))
    var resticOptions: [String] = []
    @Option(help: ArgumentHelp("Only these apps (and the add-ons linked to them).", valueName: "a,b"))
    var apps: String?
    @Flag(help: "Add to a root that has apps or add-ons (never over one of the same name).")
    var force = false

    func validate() throws {
        for option in resticOptions where !option.contains("=") || option.hasPrefix("=") {
            throw ValidationError("invalid --option \(Quoting.quoted(option)): it takes KEY=VALUE")
        }
        for name in appNames ?? [] {
            do { _ = try AppName(name) } catch { throw ValidationError(error.description) }
        }
    }

    var appNames: [String]? {
        apps.map { $0.split(separator: ",").map { String($0.trimmingPrefix(" ")) }.filter { !$0.isEmpty } }
    }

    func run() async throws {
        var password: String?
        if let passwordFile {
            do {
                let bytes = try Posix.readFile(passwordFile)
                password = String(decoding: bytes, as: UTF8.self)
            } catch {
                throw CLIError(message: "unable to read the password file \(passwordFile): \(error)")
            }
        }
        let request = RestoreRequest(
            repository: repository, snapshot: snapshot, password: password, options: resticOptions, apps: appNames,
            force: force)
        let client = try DaemonClient(options)
        var lines = LineSplitter()
        var outcome: RestoreEvent?
        try client.stream(
            "POST", "/v1/restore", body: try encodeJSON(request), headers: ["Content-Type": "application/json"]
        ) { chunk in
            for line in lines.feed(chunk) {
                guard let event = try? decodeJSON(RestoreEvent.self, line) else { continue }
                if let text = event.line, !options.json {
                    print(text)
                    Posix.flushOutput()  // each step shows as it happens, also through a pipe
                }
                if event.restored != nil || event.error != nil { outcome = event }
            }
        }
        if let error = outcome?.error { throw CLIError(message: error) }
        guard let restored = outcome?.restored else {
            throw CLIError(
                message: "unable to restore: dokuend ended its answer early; dokuen events shows how far it went")
        }
        if options.json { return try printJSON(restored) }
        print("Restored snapshot \(restored.snapshot.prefix(8)) of \(restored.repository):")
        for app in restored.apps {
            print("  " + [app.name, app.release ?? "no release", app.url].compactMap { $0 }.joined(separator: "  "))
        }
        if !restored.addons.isEmpty { print("  add-ons: \(restored.addons.joined(separator: ", "))") }
    }
}
