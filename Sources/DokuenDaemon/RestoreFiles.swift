import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix

/// The files of a restore (docs/BACKUP.md, the snapshot): each app's envdir, repository, `data/` (with the online
/// copies of its SQLite databases put back where they were), certificates and, when the snapshot has them, builds;
/// then the buildpacks and the git user's keys. Moved (renamed) from the restored snapshot under `run/`, which is on
/// the root's file system, and given to this host's users: uids differ from one host to another.
struct RestoreFiles: Sendable {
    let layout: RootLayout
    let accounts: AppAccounts

    /// The parts of an app's directory a snapshot holds.
    static let appParts = ["env", "repo.git", "data", "tls"]

    /// Moves `app`'s files into place. `builds`: whether the snapshot's builds are used (only on the root they were
    /// made under: a build is never moved, it embeds its absolute path, docs/DESIGN.md §2).
    func place(_ app: RestorePlan.App, from files: String, builds useBuilds: Bool) async throws {
        let name = app.name
        let credentials = try await accounts.credentials(name)
        let paths = layout.app(name)
        let saved = files + "/apps/" + name.rawValue
        try Posix.mkdir(layout.appsDirectory, existingOK: true)
        try Posix.mkdir(paths.directory, mode: 0o711, existingOK: true)
        // The envdir and tls/ are links to their current generation (`env.gN`, `.tls-…`), which comes along.
        let generations = ((try? Posix.listDirectory(saved)) ?? []).filter {
            $0.hasPrefix("env.g") || $0.hasPrefix(".tls-")
        }
        for part in generations + Self.appParts where try Posix.lstat(saved + "/" + part) != nil {
            try moveIn(saved + "/" + part, to: paths.directory + "/" + part)
        }
        // The SQLite databases of data/ come from their online copies, never from the live files.
        for copy in app.sqliteCopies {
            guard let relative = Self.safeRelative(copy) else {
                throw APIError(.invalid, "unable to restore \(name): the manifest names an unsafe path \(copy)")
            }
            let source = files + "/backup/data/" + name.rawValue + "/" + relative
            guard Posix.exists(source) else {
                throw APIError(.internal, "unable to restore \(name): the snapshot lacks the copy of data/\(relative)")
            }
            var directory = paths.data
            try Posix.mkdir(directory, mode: 0o700, existingOK: true)
            for component in relative.split(separator: "/").dropLast() {
                directory += "/" + component
                try Posix.mkdir(directory, mode: 0o700, existingOK: true)
            }
            let target = paths.data + "/" + relative
            for suffix in ["-wal", "-shm", "-journal"] { try Posix.removeTree(target + suffix) }
            try Posix.rename(source, target)
        }
        // The builds, when the snapshot has them (`backup create --with-builds`).
        let builds = saved + "/releases"
        if useBuilds, Posix.isDirectory(builds) {
            try Posix.mkdir(paths.releases, existingOK: true)
            for stamp in try Posix.listDirectory(builds) where (try? BuildStamp(stamp)) != nil {
                if try Posix.lstat(paths.releases + "/" + stamp) == nil {
                    try Posix.rename(builds + "/" + stamp, paths.releases + "/" + stamp)
                }
            }
        }
        // The repository's hook names this host's dokuen and root.
        if Posix.isDirectory(paths.repository) {
            try AtomicFile.write(
                Array(GitRepository.hook(app: name, layout: layout).utf8), to: paths.repository + "/hooks/pre-receive",
                mode: 0o755)
            if accounts.isolated, let git = UserEntry.named(accounts.gitUser) {
                try Posix.chownTree(paths.repository, uid: git.uid, gid: git.gid)
            }
        }
        try accounts.secure(name, credentials)
        if let credentials { try Posix.chownTree(paths.data, uid: credentials.uid, gid: credentials.gid) }
    }

    /// The buildpacks this root lacks, and the git user's keys when its home is this root (the snapshot's keys name
    /// the snapshot's root in their forced commands: this root replaces it).
    func placeShared(from files: String, oldRoot: String?, progress: Progress) throws {
        let buildpacks = files + "/buildpacks"
        if Posix.isDirectory(buildpacks) {
            try Posix.mkdir(layout.buildpacksDirectory, existingOK: true)
            for name in try Posix.listDirectory(buildpacks)
            where try Posix.lstat(layout.buildpacksDirectory + "/" + name) == nil {
                try Posix.rename(buildpacks + "/" + name, layout.buildpacksDirectory + "/" + name)
                progress(BuildLog.header("Restored buildpack \(name)"))
            }
        }
        let keys = files + "/.ssh/authorized_keys"
        guard Posix.exists(keys), let git = UserEntry.named(accounts.gitUser), git.home == layout.root else { return }
        var restored = String(decoding: try Posix.readFile(keys), as: UTF8.self)
        if let oldRoot, oldRoot != layout.root {
            restored = restored.replacing(Quoting.shell(oldRoot), with: Quoting.shell(layout.root))
        }
        let path = layout.root + "/.ssh/authorized_keys"
        let present = ((try? Posix.readFile(path)).map { String(decoding: $0, as: UTF8.self) }) ?? ""
        let have = Set(present.split(separator: "\n").map(String.init))
        let added = restored.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !have.contains($0) }
        guard !added.isEmpty else { return }
        try Posix.mkdir(layout.root + "/.ssh", mode: 0o700, existingOK: true)
        let text = present + (present.isEmpty || present.hasSuffix("\n") ? "" : "\n") + added.joined(separator: "\n")
        try AtomicFile.write(Array((text + "\n").utf8), to: path, mode: 0o600)
        try Posix.chown(layout.root + "/.ssh", uid: git.uid, gid: git.gid)
        try Posix.chown(path, uid: git.uid, gid: git.gid)
        progress(BuildLog.header("Restored \(added.count) key(s) of \(accounts.gitUser) (dokuen keys)"))
    }

    /// Moves `source` to `target`; what is at `target` already (a `data/` an `apps destroy` kept) is kept beside it.
    private func moveIn(_ source: String, to target: String) throws {
        if try Posix.lstat(target) != nil {
            var aside = target + ".before-restore"
            var number = 1
            while try Posix.lstat(aside) != nil {
                number += 1
                aside = target + ".before-restore.\(number)"
            }
            try Posix.rename(target, aside)
        }
        try Posix.rename(source, target)
    }

    /// `path` when it is relative and has no `.` or `..` component.
    static func safeRelative(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else { return nil }
        return path
    }
}
