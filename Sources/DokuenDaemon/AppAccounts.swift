import DokuenBuild
import DokuenCore
import DokuenPosix

/// Each app's own user, and who owns what under `apps/<app>/` (docs/DESIGN.md §2, Privileges; docs/ISOLATION.md).
///
/// When dokuend is root, every app gets the user `AppUser(app)` (and a group of the same name), made at `apps
/// create` or, for an app made before users were per app, at its next build or start. The layout it keeps:
///
/// | path | owner | mode | why |
/// |---|---|---|---|
/// | `apps/<app>/` | root | 0711 | others may pass through to what is theirs (the git user to `repo.git`), list nothing |
/// | `releases/` | root, the app's group | 0750 | only the app (and root) reach its builds |
/// | `releases/<ts>/` | the app during compile, then root | frozen: no write bit for the app | immutable builds |
/// | `data/`, `cache/` | the app | 0700 | its state; the buildpack cache is per app |
/// | `env/`, `logs/`, `tls/` | root | 0700, 0750, 0700 | the platform's |
/// | `repo.git` | the git user | 0750 | pushes; admins (its group) may read |
///
/// As an ordinary user (a laptop), there is one user: everything runs as dokuend's, and nothing here changes owners.
public struct AppAccounts: Sendable {
    public let layout: RootLayout
    /// Whether apps get users of their own (dokuend is root).
    public let isolated: Bool
    /// The user pushes arrive as (`dokuen`), never an app's user.
    public let gitUser: String

    /// useradd and userdel lock the user database; two at once make one fail. One at a time, process-wide.
    static let gate = AsyncGate()

    public init(layout: RootLayout, isolated: Bool, gitUser: String = "dokuen") {
        self.layout = layout
        self.isolated = isolated
        self.gitUser = gitUser
    }

    /// The credentials `app`'s processes run as, nil when not isolated. Makes the user when it is missing; refuses a
    /// user of that name that is not this app's (its comment says whose it is).
    public func credentials(_ app: AppName) async throws -> ChildProcess.Credentials? {
        guard isolated else { return nil }
        let user = AppUser(app)
        if let entry = try existing(user) { return credentials(entry) }
        try await Self.gate.holding {
            if try existing(user) != nil { return }
            try await run(
                "useradd",
                [
                    "--system", "--user-group", "--no-create-home", "--home-dir", layout.app(app).current,
                    "--shell", "/usr/sbin/nologin", "--comment", user.comment, user.name,
                ], for: app)
            DaemonLog.info(app, "created the user \(user.name)")
        }
        guard let entry = try existing(user) else {
            throw DaemonError.appUser(app: app.rawValue, reason: "useradd succeeded but \(user.name) is not there")
        }
        return credentials(entry)
    }

    /// The user of `app` if it exists and is this app's.
    func existing(_ user: AppUser) throws -> UserEntry? {
        guard let entry = UserEntry.named(user.name) else { return nil }
        guard entry.comment == user.comment else {
            throw DaemonError.appUser(
                app: user.app.rawValue,
                reason: "a user named \(user.name) exists and is not this app's (its comment is '\(entry.comment)')")
        }
        guard entry.uid != 0, entry.name != gitUser else {
            throw DaemonError.appUser(app: user.app.rawValue, reason: "\(user.name) is root or the git user")
        }
        return entry
    }

    func credentials(_ entry: UserEntry) -> ChildProcess.Credentials {
        // Only its own group: an app's user is in no other group, whatever the database says.
        ChildProcess.Credentials(uid: entry.uid, gid: entry.gid, groups: [entry.gid])
    }

    /// Sets the owners and modes of the table above, creating the directories that are missing. Idempotent and cheap
    /// when nothing changed; on a host upgraded from one shared user it moves `data/` and `cache/` to the app's
    /// user and freezes the builds that user wrote (docs/ISOLATION.md, Upgrading).
    public func secure(_ app: AppName, _ credentials: ChildProcess.Credentials?) throws {
        let paths = layout.app(app)
        for directory in [paths.directory, paths.releases, paths.logs, paths.data, paths.cache] {
            try Posix.mkdir(directory, existingOK: true)
        }
        guard let credentials else { return }
        try Ownership.set(paths.directory, uid: 0, gid: 0, mode: 0o711)
        // A static site's `releases/` stays passable by all: `publish` made it exactly 0751 (mkdir's 0755, and the
        // shared-user layout's, are not that).
        let passable = try Ownership.owner(paths.releases)?.mode == 0o751
        let releasesMode: UInt32 = passable ? 0o751 : 0o750
        try Ownership.set(paths.releases, uid: 0, gid: credentials.gid, mode: releasesMode)
        try Ownership.set(paths.logs, uid: 0, gid: 0, mode: 0o750)
        for directory in [paths.data, paths.cache] {
            if try Ownership.owner(directory)?.uid != credentials.uid {
                try Ownership.give(directory, uid: credentials.uid, gid: credentials.gid)
            }
            try Ownership.set(directory, uid: credentials.uid, gid: credentials.gid, mode: 0o700)
        }
        if Posix.isDirectory(paths.repository), let git = UserEntry.named(gitUser) {
            try Ownership.set(paths.repository, uid: git.uid, gid: git.gid, mode: 0o750)
        }
        // Builds of the shared-user layout: owned by neither root nor this app. A build of this app's own user is
        // one being compiled right now, and it is frozen when its compile ends.
        for name in try Posix.listDirectory(paths.releases) {
            let build = paths.releases + "/" + name
            guard let owner = try Ownership.owner(build), owner.uid != 0, owner.uid != credentials.uid else {
                continue
            }
            try Ownership.freeze(build, appUID: owner.uid)
        }
    }

    /// Freezes a build after compile (`Ownership.freeze`).
    public func freeze(_ build: String, _ credentials: ChildProcess.Credentials?) throws {
        guard let credentials else { return }
        try Ownership.freeze(build, appUID: credentials.uid)
    }

    /// A static site's builds are served by nginx, another user: `releases/` becomes passable by all (0751), so
    /// its frozen builds are readable by anyone who knows their path. The site is public anyway.
    public func publish(_ app: AppName, _ credentials: ChildProcess.Credentials?) throws {
        guard credentials != nil else { return }
        try Posix.chmod(layout.app(app).releases, 0o751)
    }

    /// Ends every process still running as `app`'s user (a `dokuen run` session, anything a stop left): after its
    /// instances stopped, at `apps destroy`.
    public func endProcesses(_ app: AppName) {
        guard isolated, let entry = try? existing(AppUser(app)) else { return }
        // A process may fork while the list is read: a few rounds, each waiting (pidfd) for what it killed.
        for _ in 0..<10 {
            let pids = Ownership.processes(of: entry.uid)
            if pids.isEmpty { return }
            for pid in pids { _ = try? Posix.kill(pid, 9) }  // SIGKILL
            for pid in pids { _ = try? Posix.waitForExit(pid: pid, milliseconds: 2_000) }
        }
        DaemonLog.error(app, "processes of \(entry.name) still run after 10 rounds of SIGKILL")
    }

    /// Removes `app`'s user and group (`apps destroy --purge`).
    public func remove(_ app: AppName) async throws {
        guard isolated, let entry = try existing(AppUser(app)) else { return }
        endProcesses(app)
        try await Self.gate.holding { try await run("userdel", [entry.name], for: app) }
        DaemonLog.info(app, "removed the user \(entry.name)")
    }

    /// Why the control socket refuses `uid`, nil when it may connect: root, dokuend's own user, and members of the
    /// admin group may; an app's user never may, whatever its groups (docs/DESIGN.md invariant 9).
    public static func refusal(uid: UInt32, adminGroup: String) -> String? {
        if uid == 0 || uid == Posix.geteuid() { return nil }
        guard let entry = UserEntry.withID(uid) else {
            return "uid \(uid) has no user; only root and members of the \(adminGroup) group may use dokuend"
        }
        if AppUser.isAppComment(entry.comment) {
            return "\(entry.name) is an app's user; apps may not use dokuend's control socket"
        }
        if AddonUser.isAddonComment(entry.comment) {
            return "\(entry.name) is an add-on's user; add-ons may not use dokuend's control socket"
        }
        if let admin = UserEntry.groupID(adminGroup), entry.groups.contains(admin) { return nil }
        return "\(entry.name) is not in the \(adminGroup) group; only root and its members may use dokuend"
    }

    private func run(_ program: String, _ arguments: [String], for app: AppName) async throws {
        let executable = ["/usr/sbin/", "/sbin/", "/usr/bin/"].map { $0 + program }.first {
            Posix.isExecutableFile($0)
        }
        guard let executable else {
            throw DaemonError.appUser(
                app: app.rawValue, reason: "\(program) is not installed (Debian's passwd package)")
        }
        let output = LineCollector()
        let status = try await StepRunner.run(
            BuildStep(
                label: program, executable: executable, arguments: arguments,
                environment: ["PATH": InstanceEnvironment.defaultPath, "LC_ALL": "C"], timeout: .seconds(60)),
            onLine: output.add)
        guard status == .exited(0) else {
            throw DaemonError.appUser(
                app: app.rawValue,
                reason: "\(program) failed (\(status)): \(output.lines.joined(separator: " "))")
        }
    }
}
