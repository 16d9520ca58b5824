#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one place where Swift calls libc (docs/ARCHITECTURE.md, after swift-nio's System.swift): every call retries
/// EINTR, traps on EBADF and EFAULT (those are bugs here, not conditions), and throws a `PosixError` naming the call.
/// Functions that return an fd hand its ownership to the caller, who must `close` it.
public enum Posix {
    @discardableResult
    static func call<T: BinaryInteger>(_ name: String, path: String? = nil, _ body: () -> T) throws(PosixError)
        -> T
    {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            precondition(code != EBADF && code != EFAULT, "\(name) \(path ?? ""): \(code) is a programming error")
            throw PosixError(name, path: path, errno: code)
        }
    }

    /// open(2) with O_CLOEXEC always set. The caller owns the returned fd.
    public static func open(_ path: String, _ flags: Int32, mode: UInt32 = 0o600) throws(PosixError) -> Int32 {
        try call("open", path: path) { sys_open(path, flags | O_CLOEXEC, mode_t(mode)) }
    }

    public static func close(_ fd: Int32) {
        // close(2) must not be retried on EINTR on Linux: the fd is already released.
        if sys_close(fd) != 0 { precondition(errno != EBADF, "close(\(fd)): EBADF is a programming error") }
    }

    /// Writes all of `bytes`, looping over short writes.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String? = nil) throws(PosixError) {
        var offset = 0
        while offset < bytes.count {
            let written = try call("write", path: path) {
                bytes.withUnsafeBytes { sys_write(fd, $0.baseAddress! + offset, $0.count - offset) }
            }
            offset += written
        }
    }

    /// Reads `fd` to its end.
    public static func readAll(_ fd: Int32, path: String? = nil) throws(PosixError) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = try call("read", path: path) {
                buffer.withUnsafeMutableBytes { sys_read(fd, $0.baseAddress!, $0.count) }
            }
            if count == 0 { return out }
            out.append(contentsOf: buffer[0..<count])
        }
    }

    /// The whole content of the file at `path`.
    public static func readFile(_ path: String) throws(PosixError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        return try readAll(fd, path: path)
    }

    /// A file a user controls (a build's app.json or Procfile), read with care: nil when there is none; an error
    /// for a symlink (ELOOP), anything but a regular file (EINVAL: a FIFO would block, a device never end) or
    /// more than `limit` bytes (EFBIG). Opened without following a symlink and without blocking.
    public static func readUserFile(_ path: String, limit: Int) throws(PosixError) -> [UInt8]? {
        let fd = sys_open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw PosixError("open", path: path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        try call("stat", path: path) { sys_fstat(fd, &info) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw PosixError("read", path: path, errno: EINVAL) }
        guard info.st_size <= limit else { throw PosixError("read", path: path, errno: EFBIG) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while out.count <= limit {
            let count = try call("read", path: path) {
                buffer.withUnsafeMutableBytes { sys_read(fd, $0.baseAddress!, $0.count) }
            }
            if count == 0 { return out }
            out.append(contentsOf: buffer[0..<count])
        }
        throw PosixError("read", path: path, errno: EFBIG)
    }

    public static func fsync(_ fd: Int32, path: String? = nil) throws(PosixError) {
        try call("fsync", path: path) { sys_fsync(fd) }
    }

    /// fsync(2) of a directory, so that a rename or create in it survives a crash.
    public static func fsyncDirectory(_ path: String) throws(PosixError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    public static func rename(_ from: String, _ to: String) throws(PosixError) {
        try call("rename", path: "\(from) to \(to)") { sys_rename(from, to) }
    }

    public static func symlink(target: String, at path: String) throws(PosixError) {
        try call("symlink", path: path) { sys_symlink(target, path) }
    }

    public static func readlink(_ path: String) throws(PosixError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = try call("readlink", path: path) { sys_readlink(path, &buffer, buffer.count - 1) }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// realpath(3): the absolute path with every symlink, `.` and `..` resolved; nil when it does not exist.
    public static func realpath(_ path: String) -> String? {
        guard let resolved = sys_realpath(path) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// mkdir(2). Returns false when the directory already exists and `existingOK` is set.
    @discardableResult
    public static func mkdir(_ path: String, mode: UInt32 = 0o755, existingOK: Bool = false) throws(PosixError)
        -> Bool
    {
        do {
            try call("create directory", path: path) { sys_mkdir(path, mode) }
            return true
        } catch  where error.errno == EEXIST && existingOK && isDirectory(path) {
            return false
        }
    }

    public static func unlink(_ path: String) throws(PosixError) {
        try call("remove", path: path) { sys_unlink(path) }
    }

    public static func rmdir(_ path: String) throws(PosixError) {
        try call("remove directory", path: path) { sys_rmdir(path) }
    }

    public static func chmod(_ path: String, _ mode: UInt32) throws(PosixError) {
        try call("chmod", path: path) { sys_chmod(path, mode) }
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return sys_stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in a directory, without `.` and `..`, sorted.
    public static func listDirectory(_ path: String) throws(PosixError) -> [String] {
        guard let dir = opendir(path) else { throw PosixError("list", path: path, errno: errno) }
        defer { closedir(dir) }
        return try names(in: dir, path: path).sorted()
    }

    /// The names an open directory stream lists, without `.` and `..`, in its order.
    static func names(in dir: OpaquePointer, path: String) throws(PosixError) -> [String] {
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw PosixError("list", path: path, errno: errno) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Gives `path` and, for a directory, everything under it to `uid`:`gid`. Symlinks are changed themselves,
    /// never followed, so a link in a pushed tree cannot hand a file outside it to the user.
    public static func chownTree(_ path: String, uid: UInt32, gid: UInt32) throws(PosixError) {
        guard let info = try lstat(path) else { return }
        if lchown(path, uid, gid) != 0 { throw PosixError("chown", path: path, errno: errno) }
        if info.kind == .directory {
            for name in try listDirectory(path) { try chownTree(path + "/" + name, uid: uid, gid: gid) }
        }
    }

    /// Removes `path` and, for a directory, everything under it. Symlinks are removed, never followed.
    public static func removeTree(_ path: String) throws(PosixError) {
        guard let info = try lstat(path) else { return }
        if info.kind == .directory {
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            try rmdir(path)
        } else {
            try unlink(path)
        }
    }

    public static func fchmod(_ fd: Int32, _ mode: UInt32, path: String? = nil) throws(PosixError) {
        try call("chmod", path: path) { sys_fchmod(fd, mode) }
    }

    /// mkdtemp(3): a new private directory `<prefix>XXXXXX`.
    public static func makeTemporaryDirectory(prefix: String) throws(PosixError) -> String {
        var template = Array((prefix + "XXXXXX").utf8CString)
        guard let result = sys_mkdtemp(&template) else {
            throw PosixError("create directory", path: prefix, errno: errno)
        }
        return String(cString: result)
    }

    /// flock(2). Returns false when `nonBlocking` is set and another open file description holds the lock.
    public static func flock(_ fd: Int32, _ operation: Int32, path: String? = nil) throws(PosixError) -> Bool {
        do {
            try call("lock", path: path) { sys_flock(fd, operation) }
            return true
        } catch  where error.errno == EWOULDBLOCK {
            return false
        }
    }

    /// kill(2). Returns false when no such process (or group) exists. 0 and -1 (our own group, every process) are
    /// refused: a pid or pgid of 0 that reaches here is a bug, and it must not take the caller down.
    @discardableResult
    public static func kill(_ pid: Int32, _ signal: Int32) throws(PosixError) -> Bool {
        guard pid != 0 && pid != -1 else { throw PosixError("signal", path: "process \(pid)", errno: EINVAL) }
        do {
            try call("signal", path: "process \(pid)") { sys_kill(pid, signal) }
            return true
        } catch  where error.errno == ESRCH {
            return false
        }
    }

    /// waitpid(2) on one child. Nil with WNOHANG while it runs.
    public static func waitpid(_ pid: Int32, options: Int32 = 0) throws(PosixError) -> ExitStatus? {
        var status: Int32 = 0
        let result = try call("wait for", path: "process \(pid)") { sys_waitpid(pid, &status, options) }
        return result == 0 ? nil : ExitStatus(waitStatus: status)
    }

    /// pipe(2) with O_CLOEXEC on both ends: (read end, write end), owned by the caller.
    public static func pipe() throws(PosixError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        try call("create pipe") { sys_pipe(&fds) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// Waits until `fd` is readable or `milliseconds` pass (-1: forever). Returns whether it is readable.
    public static func waitReadable(_ fd: Int32, milliseconds: Int32) throws(PosixError) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return try call("poll") { sys_poll(&entry, 1, milliseconds) } > 0
    }

    /// The directory of the running executable (`/proc/self/exe`), where its sibling programs are installed.
    public static func executableDirectory() -> String {
        let exe = (try? readlink("/proc/self/exe")) ?? CommandLine.arguments[0]
        return String(exe[..<(exe.lastIndex(of: "/") ?? exe.startIndex)])
    }

    public static func getpid() -> Int32 { sys_getpid() }

    public static func geteuid() -> UInt32 { sys_geteuid() }

    /// The login name of `uid` from the user database, nil when it has none.
    public static func userName(uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name
        else { return nil }
        return String(cString: name)
    }

    /// The process environment as a dictionary.
    public static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
