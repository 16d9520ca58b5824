import DokuenPosix

/// Writes one line to stderr, which is the journal under systemd.
public func log(_ line: String) {
    Posix.writeToStandardError(line + "\n")
}
