#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file so that readers see either the old content or the new, never a part, even across a crash:
/// a temp file in the same directory, fsync, rename(2) over the target, fsync of the directory.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o644) throws(PosixError) {
        let (directory, name) = split(path)
        let temporary = directory + "/." + name + ".tmp." + String(Posix.getpid())
        // A leftover from a crashed writer with the same pid is garbage: remove it.
        if try Posix.lstat(temporary) != nil { try Posix.unlink(temporary) }
        let fd = try Posix.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        do {
            defer { Posix.close(fd) }
            try Posix.fchmod(fd, mode, path: temporary)  // open(2)'s mode is filtered by the umask
            try Posix.writeAll(fd, bytes, path: temporary)
            try Posix.fsync(fd, path: temporary)
        } catch {
            try? Posix.unlink(temporary)
            throw error
        }
        do { try Posix.rename(temporary, path) } catch {
            try? Posix.unlink(temporary)
            throw error
        }
        try Posix.fsyncDirectory(directory)
    }

    /// (directory, last component) of a path; the directory of a bare name is ".".
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
