#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Module-level trampolines to libc, so that `Posix` can name its own methods `open`, `close`, … without
// shadowing the C functions, on Glibc and Darwin alike.

func sys_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
func sys_close(_ fd: Int32) -> Int32 { close(fd) }
func sys_write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
/// send(2) with MSG_NOSIGNAL: a peer that went away is EPIPE, never SIGPIPE.
func sys_sendNoSignal(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    send(fd, buffer, count, Int32(MSG_NOSIGNAL))
}
func sys_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }
func sys_fsync(_ fd: Int32) -> Int32 { fsync(fd) }
func sys_rename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
func sys_symlink(_ target: String, _ path: String) -> Int32 { symlink(target, path) }
func sys_readlink(_ path: String, _ buffer: UnsafeMutablePointer<CChar>, _ size: Int) -> Int {
    readlink(path, buffer, size)
}
func sys_realpath(_ path: String) -> UnsafeMutablePointer<CChar>? { realpath(path, nil) }
func sys_mkdir(_ path: String, _ mode: mode_t) -> Int32 { mkdir(path, mode) }
func sys_unlink(_ path: String) -> Int32 { unlink(path) }
func sys_rmdir(_ path: String) -> Int32 { rmdir(path) }
func sys_chmod(_ path: String, _ mode: mode_t) -> Int32 { chmod(path, mode) }
func sys_lstat(_ path: String, _ info: UnsafeMutablePointer<stat>) -> Int32 { lstat(path, info) }
func sys_fstat(_ fd: Int32, _ info: UnsafeMutablePointer<stat>) -> Int32 { fstat(fd, info) }
func sys_stat(_ path: String, _ info: UnsafeMutablePointer<stat>) -> Int32 { stat(path, info) }
func sys_getpid() -> Int32 { getpid() }
func sys_geteuid() -> UInt32 { geteuid() }
func sys_flock(_ fd: Int32, _ operation: Int32) -> Int32 { flock(fd, operation) }
func sys_kill(_ pid: Int32, _ signal: Int32) -> Int32 { kill(pid, signal) }
func sys_waitpid(_ pid: Int32, _ status: UnsafeMutablePointer<Int32>, _ options: Int32) -> Int32 {
    waitpid(pid, status, options)
}
func sys_pipe(_ fds: UnsafeMutablePointer<Int32>) -> Int32 { pipe(fds) }
func sys_poll(_ fds: UnsafeMutablePointer<pollfd>, _ count: Int, _ timeout: Int32) -> Int32 {
    poll(fds, nfds_t(count), timeout)
}
func sys_fchmod(_ fd: Int32, _ mode: mode_t) -> Int32 { fchmod(fd, mode) }
func sys_mkdtemp(_ template: UnsafeMutablePointer<CChar>) -> UnsafeMutablePointer<CChar>? { mkdtemp(template) }
func sys_socket(_ domain: Int32, _ type: Int32) -> Int32 {
    #if canImport(Glibc)
        socket(domain, type | Int32(SOCK_CLOEXEC.rawValue), 0)
    #else
        socket(domain, type, 0)
    #endif
}
func sys_connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}
func sys_bind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    bind(fd, address, length)
}
func sys_chown(_ path: String, _ uid: UInt32, _ gid: UInt32) -> Int32 { chown(path, uid, gid) }
func sys_getenv(_ name: String) -> UnsafeMutablePointer<CChar>? { getenv(name) }
func sys_setenv(_ name: String, _ value: String, _ overwrite: Int32) -> Int32 { setenv(name, value, overwrite) }
func sys_getegid() -> UInt32 { getegid() }
func sys_isatty(_ fd: Int32) -> Int32 { isatty(fd) }
func sys_exit(_ code: Int32) -> Never { exit(code) }
func sys_chdir(_ path: String) -> Int32 { chdir(path) }
func sys_setgroups(_ count: Int, _ groups: UnsafePointer<UInt32>) -> Int32 { setgroups(count, groups) }
func sys_setgid(_ gid: UInt32) -> Int32 { setgid(gid) }
func sys_setuid(_ uid: UInt32) -> Int32 { setuid(uid) }
func sys_execve(
    _ path: String, _ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>,
    _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>
) -> Int32 {
    execve(path, argv, envp)
}
/// libc's `struct stat` under a name no member of `Posix` can hide.
typealias CStat = stat
