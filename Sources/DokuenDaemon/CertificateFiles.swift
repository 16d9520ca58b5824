import DokuenCore
import DokuenPosix

/// An app's certificate and key on disk: `apps/<app>/tls/server.crt` and `server.key`, where `tls` is a symlink
/// to a generation directory `apps/<app>/.tls-<n>/` that is written whole and never changed. A change writes a new
/// generation and swaps the link with one rename(2), so nginx (and a crash) sees the old pair or the new one,
/// never a mix. The key is 0600 and the certificate 0644, in a 0700 directory, all owned by dokuend's user: on a
/// server that is root, so no app (each runs as its own user, docs/ISOLATION.md) can read the key, while nginx's
/// master process, which loads certificates as root, can. A change reads the pair first, so that `restore` can put it back when nginx refuses
/// the new one.
struct CertificateFiles: Sendable {
    let paths: RootLayout.AppPaths

    /// The bytes of both files.
    struct Pair: Equatable, Sendable {
        var certificate: [UInt8]
        var key: [UInt8]
    }

    /// Whether both files are there (nginx is given a certificate only then).
    var isInstalled: Bool { (try? read()).flatMap { $0 } != nil }

    /// The installed pair; nil when either file is missing.
    func read() throws(PosixError) -> Pair? {
        guard try Posix.lstat(paths.certificate) != nil, try Posix.lstat(paths.privateKey) != nil else { return nil }
        return Pair(certificate: try Posix.readFile(paths.certificate), key: try Posix.readFile(paths.privateKey))
    }

    /// Writes `pair` as a new generation and switches `tls` to it in one rename; the old generation goes.
    func write(_ pair: Pair) throws(PosixError) {
        try Posix.mkdir(paths.directory, existingOK: true)
        let name = ".tls-\(Posix.getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let generation = paths.directory + "/" + name
        try Posix.mkdir(generation, mode: 0o700)
        do {
            try Posix.chmod(generation, 0o700)
            try AtomicFile.write(pair.key, to: generation + "/server.key", mode: 0o600)
            try AtomicFile.write(pair.certificate, to: generation + "/server.crt", mode: 0o644)
            try switchLink(to: name)
        } catch {
            try? Posix.removeTree(generation)
            throw error
        }
    }

    /// Removes the link, then every generation.
    func remove() throws(PosixError) {
        if let info = try Posix.lstat(paths.tls) {
            if info.kind == .symlink { try Posix.unlink(paths.tls) } else { try Posix.removeTree(paths.tls) }
        }
        try removeGenerations(except: nil)
    }

    /// Puts back what `read()` returned before a change: that pair, or no files.
    func restore(_ previous: Pair?) throws(PosixError) {
        if let previous { try write(previous) } else { try remove() }
    }

    /// `tls` → `name`, atomically. A real directory there (an earlier layout) is removed first.
    private func switchLink(to name: String) throws(PosixError) {
        if let info = try Posix.lstat(paths.tls), info.kind != .symlink { try Posix.removeTree(paths.tls) }
        let temporary = paths.tls + ".new"
        if try Posix.lstat(temporary) != nil { try Posix.unlink(temporary) }
        try Posix.symlink(target: name, at: temporary)
        try Posix.rename(temporary, paths.tls)
        try Posix.fsyncDirectory(paths.directory)
        try removeGenerations(except: name)
    }

    private func removeGenerations(except kept: String?) throws(PosixError) {
        for entry in try Posix.listDirectory(paths.directory) where entry.hasPrefix(".tls-") && entry != kept {
            try Posix.removeTree(paths.directory + "/" + entry)
        }
    }
}
