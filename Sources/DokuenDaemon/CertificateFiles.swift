import DokuenCore
import DokuenPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An app's certificate and key on disk (`apps/<app>/tls/server.crt` and `server.key`). Each file is written
/// atomically (AtomicFile), the key 0600 and the certificate 0644, in a 0700 directory, all owned by dokuend's user:
/// on a server that is root, so no app (they run as `dokuen`) can read the key, while nginx's master process, which
/// loads certificates as root, can. A change reads the pair first, so that `restore` can put it back when nginx
/// refuses the new one.
struct CertificateFiles: Sendable {
    let paths: RootLayout.AppPaths

    /// The bytes of both files.
    struct Pair: Equatable, Sendable {
        var certificate: [UInt8]
        var key: [UInt8]
    }

    /// Whether both files are there (nginx is given a certificate only then).
    var isInstalled: Bool {
        ((try? Posix.lstat(paths.certificate)) ?? nil) != nil && ((try? Posix.lstat(paths.privateKey)) ?? nil) != nil
    }

    /// The installed pair; nil when either file is missing.
    func read() throws(PosixError) -> Pair? {
        guard try Posix.lstat(paths.certificate) != nil, try Posix.lstat(paths.privateKey) != nil else { return nil }
        return Pair(certificate: try Posix.readFile(paths.certificate), key: try Posix.readFile(paths.privateKey))
    }

    /// Writes both files, the key first: until the certificate follows, the pair is the old certificate with the new
    /// key, which nginx refuses, so nothing reads a half-changed pair as valid.
    func write(_ pair: Pair) throws(PosixError) {
        try Posix.mkdir(paths.directory, existingOK: true)
        // Only dokuend writes here; anything but a directory (a link) is not ours to follow.
        if let info = try Posix.lstat(paths.tls), info.st_mode & S_IFMT != S_IFDIR { try Posix.unlink(paths.tls) }
        try Posix.mkdir(paths.tls, mode: 0o700, existingOK: true)
        try Posix.chmod(paths.tls, 0o700)
        try AtomicFile.write(pair.key, to: paths.privateKey, mode: 0o600)
        try AtomicFile.write(pair.certificate, to: paths.certificate, mode: 0o644)
    }

    /// Removes both files and their directory.
    func remove() throws(PosixError) {
        try Posix.removeTree(paths.tls)
    }

    /// Puts back what `read()` returned before a change: that pair, or no files.
    func restore(_ previous: Pair?) throws(PosixError) {
        if let previous { try write(previous) } else { try remove() }
    }
}
