import DokuenSupervisionEmbedded

/// Appends the child's output to the instance's log: whole lines only (two instances of a slot may share the file
/// during a cutover, and O_APPEND keeps their lines apart), optional UTC timestamps, size-based rotation keeping
/// exactly `backups` old files, and, when the disk refuses, a count of the bytes dropped instead of a stall, then a
/// marker line that says what was lost once writing works again (`LogDrops`).
struct LogWriter {
    /// A partial line longer than this is written as it is.
    static let maxPendingLine = 64 * 1024

    let path: String
    let maxBytes: Int64
    let backups: Int
    let timestamps: Bool
    private(set) var fd: Int32 = -1
    private(set) var size: Int64 = 0
    private(set) var drops = LogDrops()
    /// The end of the output that is not yet a whole line.
    private var pending: [UInt8] = []
    private var atLineStart = true

    init(path: String, maxBytes: Int64, backups: Int, timestamps: Bool) {
        self.path = path
        self.maxBytes = maxBytes
        self.backups = backups
        self.timestamps = timestamps
    }

    /// Opens (or creates) the log.
    mutating func open() throws(System.Errno) {
        fd = try System.open(path, [.writeOnly, .append, .create], mode: 0o640)
        size = System.fileSize(fd)
    }

    /// Takes a chunk of output as it came from the pipe.
    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        if chunk.isEmpty { return }
        if timestamps {
            var stamped: [UInt8] = []
            stamped.reserveCapacity(chunk.count + 64)
            let stamp = System.timestamp(System.realtimeMilliseconds())
            for byte in chunk {
                if atLineStart { stamped.append(contentsOf: stamp) }
                stamped.append(byte)
                atLineStart = byte == 0x0A
            }
            stamped.withUnsafeBytes { appendLines($0) }
        } else {
            appendLines(chunk)
        }
    }

    /// Writes out a partial last line, ended with a newline so the log stays whole lines: when the child exits
    /// (nothing will complete that line) and when the shim exits.
    mutating func flush() {
        if pending.isEmpty { return }
        var bytes = pending
        bytes.append(0x0A)
        pending.removeAll()
        atLineStart = true
        bytes.withUnsafeBytes { emit($0) }
    }

    private mutating func appendLines(_ chunk: UnsafeRawBufferPointer) {
        var lastNewline = -1
        var index = chunk.count - 1
        while index >= 0 {
            if chunk[index] == 0x0A {
                lastNewline = index
                break
            }
            index -= 1
        }
        if lastNewline < 0 {
            pending.append(contentsOf: chunk)
            if pending.count >= Self.maxPendingLine { flush() }
            return
        }
        let complete = UnsafeRawBufferPointer(rebasing: chunk[0...lastNewline])
        if pending.isEmpty {
            emit(complete)
        } else {
            pending.append(contentsOf: complete)
            let bytes = pending
            pending.removeAll(keepingCapacity: true)
            bytes.withUnsafeBytes { emit($0) }
        }
        if lastNewline + 1 < chunk.count {
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[(lastNewline + 1)...]))
        }
    }

    /// Writes whole lines, rotating at a line boundary before the file would pass `maxBytes` (a single line longer
    /// than that gets a file of its own).
    private mutating func emit(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            guard maxBytes > 0, size + Int64(rest.count) > maxBytes else {
                writeOut(rest)
                return
            }
            let room = Int(max(0, maxBytes - size))
            var cut = min(room, rest.count) - 1
            while cut >= 0 && rest[cut] != 0x0A { cut -= 1 }
            if cut < 0 {
                if size > 0 {
                    rotate()
                    continue
                }
                // One line longer than the whole file: write it alone, up to its newline.
                cut = rest.firstIndex(of: 0x0A) ?? (rest.count - 1)
            }
            writeOut(UnsafeRawBufferPointer(rebasing: rest[0...cut]))
            rotate()
            rest = UnsafeRawBufferPointer(rebasing: rest[(cut + 1)...])
        }
    }

    /// Every byte dropped over the shim's life (`dropped_bytes` in `status`).
    var droppedBytes: Int64 { drops.totalBytes }

    /// Whether output is being dropped now (`log_dropping` in `status`).
    var dropping: Bool { drops.dropping }

    private mutating func writeOut(_ bytes: UnsafeRawBufferPointer) {
        // After a drop, the marker goes first; while the disk still refuses it, the output is dropped unwritten.
        if drops.dropping {
            let marker = drops.marker(prefix: timestamps ? System.timestamp(System.realtimeMilliseconds()) : [])
            let result = marker.withUnsafeBytes { System.writeAll(fd, $0) }
            size += Int64(result.written)
            guard drops.wroteMarker(marker, written: result.written) else {
                drops.wrote(bytes, written: 0, diskFull: Self.isDiskFull(result.failure))
                return
            }
        }
        let result = System.writeAll(fd, bytes)
        size += Int64(result.written)
        // Disk full, quota, file too large, I/O error: keep draining the pipe, count what is lost.
        drops.wrote(bytes, written: result.written, diskFull: Self.isDiskFull(result.failure))
    }

    private static func isDiskFull(_ failure: System.Errno?) -> Bool {
        failure == nil || failure == .noSpace || failure == .quotaExceeded
    }

    /// FILE → FILE.1 → … → FILE.K; what was FILE.K is gone. With K = 0 the log is truncated.
    private mutating func rotate() {
        if backups == 0 {
            System.truncate(fd)
            size = 0
            return
        }
        var index = backups
        while index >= 2 {
            System.rename(path + "." + String(index - 1), to: path + "." + String(index))
            index -= 1
        }
        System.rename(path, to: path + ".1")
        let old = fd
        do throws(System.Errno) {
            try open()
        } catch {
            fd = old  // keep writing to the renamed file rather than losing output
            return
        }
        System.close(old)
    }
}
