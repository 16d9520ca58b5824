#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A terminal's echo, turned off while a secret is typed (termios(3): ECHO cleared with tcsetattr, TCSAFLUSH),
/// and put back as it was.
public enum Terminal {
    /// Runs `body` with `fd`'s echo off when `fd` is a terminal, restoring its settings after, whatever `body` does.
    public static func withoutEcho<T>(_ fd: Int32, _ body: () throws -> T) throws -> T {
        var saved = termios()
        guard sys_isatty(fd) == 1 else { return try body() }
        try Posix.call("tcgetattr") { tcgetattr(fd, &saved) }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        try Posix.call("tcsetattr") { tcsetattr(fd, TCSAFLUSH, &quiet) }
        defer { _ = tcsetattr(fd, TCSAFLUSH, &saved) }
        return try body()
    }

    /// One line from `fd`, without its newline, read a byte at a time so nothing after it is consumed; nil at end of
    /// file before any byte. At most `limit` bytes.
    public static func readLine(_ fd: Int32, limit: Int = 4096) throws(PosixError) -> [UInt8]? {
        var line: [UInt8] = []
        var byte: [UInt8] = [0]
        while line.count <= limit {
            let count = try Posix.read(fd, into: &byte)
            if count == 0 { return line.isEmpty ? nil : line }
            if byte[0] == UInt8(ascii: "\n") { return line }
            line.append(byte[0])
        }
        return line
    }
}
