import DokuenCore
import DokuenPosix

/// `ROOT/backup/`, where a backup stages what is not taken live (docs/BACKUP.md, "The snapshot (format 1)"): the
/// store's copy, the copies of the apps' SQLite databases, the add-ons' dumps and manifest.json. 0700, dokuend's
/// own; it exists only while a backup runs, and a leftover (dokuend killed mid-backup) is removed at the next start
/// and before the next backup, with any dump an add-on's server left in its scratch directory and restic's
/// temporary files.
struct BackupStaging {
    let layout: RootLayout

    var directory: String { layout.root + "/backup" }

    /// Removes what an interrupted backup left: the staging directory and restic's temporary directory; at
    /// dokuend's start (`atStart`), also the dumps in the add-ons' scratch directories (`addons/NAME/tmp/dump-*`: a
    /// dump being written when dokuend died; later, one may be an `addons dump` in flight).
    func removeLeftovers(atStart: Bool = false) {
        try? Posix.removeTree(directory)
        try? Posix.removeTree(layout.runDirectory + "/restic-tmp")
        guard atStart else { return }
        let addons = layout.root + "/addons"
        for name in (try? Posix.listDirectory(addons)) ?? [] {
            let scratch = addons + "/" + name + "/tmp"
            for file in (try? Posix.listDirectory(scratch)) ?? [] where file.hasPrefix("dump-") {
                try? Posix.unlink(scratch + "/" + file)
            }
        }
    }

    /// Makes a fresh, empty staging directory, 0700.
    func create() throws {
        removeLeftovers()
        try Posix.mkdir(directory, mode: 0o700)
        try Posix.chmod(directory, 0o700)
    }

    /// Makes `relative`'s parent directories under the staging directory (0700 each) and returns its full path.
    func path(_ relative: String) throws -> String {
        var parent = directory
        for component in relative.split(separator: "/").dropLast() {
            parent += "/" + component
            try Posix.mkdir(parent, mode: 0o700, existingOK: true)
        }
        return directory + "/" + relative
    }

    /// SQLite's 16-byte file header (https://www.sqlite.org/fileformat.html, 1.3.1).
    static let sqliteHeader = Array("SQLite format 3\0".utf8)

    /// The SQLite databases under `directory` (an app's `data/`), as paths relative to it, sorted: regular files
    /// whose first 16 bytes are SQLite's header. Symlinks are never followed (a link out of data/ is the app's, not
    /// a database of its own), and a file that vanishes or cannot be read while the walk runs is skipped.
    static func sqliteDatabases(in directory: String) -> [String] {
        var found: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let path = relative.isEmpty ? directory : directory + "/" + relative
            for name in ((try? Posix.listDirectory(path)) ?? []).sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                guard let info = try? Posix.lstat(directory + "/" + child) else { continue }
                switch info.kind {
                case .directory: pending.append(child)
                case .regular where info.size >= 512 && hasSQLiteHeader(directory + "/" + child): found.append(child)
                default: continue
                }
            }
        }
        return found.sorted()
    }

    /// Whether the regular file at `path` starts with SQLite's header (opened without following a symlink).
    static func hasSQLiteHeader(_ path: String) -> Bool {
        guard let fd = try? Posix.open(path, [.readOnly, .noFollow, .nonBlocking]) else { return false }
        defer { Posix.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 16)
        guard let count = try? Posix.read(fd, into: &buffer, at: 0), count == 16 else { return false }
        return buffer == sqliteHeader
    }

    /// restic's exclude patterns for a database copied through the online backup API: the file and its `-wal`,
    /// `-shm` and `-journal` companions, as absolute paths (restic matches excludes against them) with the glob's
    /// special characters escaped. nil for a path a pattern file cannot hold (a newline): that file is then also
    /// taken live, beside its consistent copy.
    static func excludePatterns(_ absolute: String) -> [String]? {
        guard !absolute.contains("\n"), !absolute.contains("\r") else { return nil }
        var escaped = ""
        for character in absolute {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return ["", "-wal", "-shm", "-journal"].map { escaped + $0 }
    }
}
