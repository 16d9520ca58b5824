import CDokuenShim

/// The few libc helpers the shim's Swift needs, in Embedded Swift terms (no Glibc module, no Foundation).
enum System {
    static func writeError(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// The errno text, e.g. "No such file or directory".
    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Writes all of `bytes` to `fd`; returns the errno of a failure, or 0.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                let code = dokuen_errno()
                if code == EINTR { continue }
                return code
            }
            offset += written
        }
        return 0
    }

    /// Writes `text` to `path` atomically: a temp file beside it, then rename(2). No fsync: a status file is
    /// rewritten on every change and means nothing after a reboot (s6 does not sync its status file either).
    static func writeFileAtomically(_ path: String, _ text: String) {
        let temporary = path + ".new"
        let fd = dokuen_open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { return }
        var text = text
        let failure = text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
        close(fd)
        if failure == 0 { rename(temporary, path) }
    }

    /// A NULL-terminated array of C strings, for execve; the caller frees it with `free(cStrings:)`.
    static func cStrings(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { array[index] = string.withCString { strdup($0) } }
        array[strings.count] = nil
        return array
    }

    static func free(cStrings array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, count: Int) {
        for index in 0..<count { CDokuenShim.free(array[index]) }
        array.deallocate()
    }

    /// The process environment as `KEY=value` strings.
    static func environment() -> [String] {
        var result: [String] = []
        guard let environ = dokuen_environ() else { return result }
        var index = 0
        while let entry = environ[index] {
            result.append(String(cString: entry))
            index += 1
        }
        return result
    }
}
