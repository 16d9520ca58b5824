import DokuenCore

/// `GET /v1/status`'s body written by hand: byte for byte what `JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes` writes for `[InstanceStatus]`, in a tenth of the time. With 200 instances the encoder's
/// Codable walk was half of dokuend's time for a `status` request.
public enum InstanceStatusJSON {
    /// The JSON array of `statuses`, keys sorted, every key written (null included), no whitespace.
    public static func array(_ statuses: [InstanceStatus]) -> String {
        var out = "["
        out.reserveCapacity(statuses.count * 200)
        for (position, status) in statuses.enumerated() {
            if position > 0 { out += "," }
            out += "{\"app\":"
            string(status.app, into: &out)
            out += ",\"cpu_seconds\":" + (status.cpuSeconds.map { number($0) } ?? "null")
            out += ",\"exit\":"
            if let exit = status.exit { string(exit, into: &out) } else { out += "null" }
            out += ",\"index\":\(status.index)"
            out += ",\"log_dropped_bytes\":\(status.logDroppedBytes)"
            out += ",\"log_dropping\":\(status.logDropping)"
            out += ",\"pid\":" + (status.pid.map { "\($0)" } ?? "null")
            out += ",\"port\":" + (status.port.map { "\($0)" } ?? "null")
            out += ",\"release\":"
            string(status.release, into: &out)
            out += ",\"restarts\":\(status.restarts)"
            out += ",\"rss_bytes\":" + (status.rssBytes.map { "\($0)" } ?? "null")
            out += ",\"shim_pid\":" + (status.shimPID.map { "\($0)" } ?? "null")
            out += ",\"since\":\(status.since)"
            out += ",\"state\":"
            string(status.state, into: &out)
            out += ",\"type\":"
            string(status.type, into: &out)
            out += "}"
        }
        return out + "]"
    }

    /// A double as JSONEncoder writes it: an integral value without a fraction, others in Swift's shortest
    /// round-tripping form.
    static func number(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return "\(Int64(value))" }
        return "\(value)"
    }

    static func string(_ text: String, into out: inout String) { Quoting.json(text, into: &out) }
}

extension InstanceStatusJSON {
    /// The statuses of a `GET /v1/status` body, read by hand: JSONDecoder's Codable walk was a quarter of
    /// `dokuen status`'s time with 200 instances (docs/BENCHMARKS.md). It reads any JSON array of flat objects in any
    /// key order, with or without whitespace, and ignores keys it does not know whose values are scalars; for
    /// anything else (a nested value, a missing key, a value of the wrong kind, bad JSON) it returns nil, and the
    /// caller decodes with JSONDecoder, whose error says what is wrong.
    public static func decode(_ bytes: [UInt8]) -> [InstanceStatus]? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = FlatJSONReader(buffer)
            var statuses: [InstanceStatus] = []
            guard reader.consume(UInt8(ascii: "[")) else { return nil }
            if reader.consume(UInt8(ascii: "]")) { return reader.atEnd ? statuses : nil }
            repeat {
                guard let status = object(&reader) else { return nil }
                statuses.append(status)
            } while reader.consume(UInt8(ascii: ","))
            return reader.consume(UInt8(ascii: "]")) && reader.atEnd ? statuses : nil
        }
    }

    /// One object, the reader after it.
    private static func object(_ reader: inout FlatJSONReader) -> InstanceStatus? {
        guard reader.consume(UInt8(ascii: "{")) else { return nil }
        var app: String?
        var type: String?
        var index: Int?
        var release: String?
        var state: String?
        var since: Int64?
        var restarts: Int?
        var status = InstanceStatus(
            app: "", type: "", index: 0, release: "", state: "", pid: nil, shimPID: nil, port: nil, since: 0,
            restarts: 0, exit: nil)
        if !reader.consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = reader.string(), reader.consume(UInt8(ascii: ":")), let value = reader.scalar() else {
                    return nil
                }
                switch key {
                case "app": app = value.text
                case "type": type = value.text
                case "index": index = value.int
                case "release": release = value.text
                case "state": state = value.text
                case "since": since = value.int64
                case "restarts": restarts = value.int
                case "pid": guard value.orNull(\.int32, into: &status.pid) else { return nil }
                case "shim_pid": guard value.orNull(\.int32, into: &status.shimPID) else { return nil }
                case "port": guard value.orNull(\.int, into: &status.port) else { return nil }
                case "rss_bytes": guard value.orNull(\.int, into: &status.rssBytes) else { return nil }
                case "exit": guard value.orNull(\.text, into: &status.exit) else { return nil }
                case "cpu_seconds": guard value.orNull(\.double, into: &status.cpuSeconds) else { return nil }
                case "log_dropped_bytes":
                    var dropped: Int64?
                    guard value.orNull(\.int64, into: &dropped) else { return nil }
                    status.logDroppedBytes = dropped ?? 0
                case "log_dropping":
                    var dropping: Bool?
                    guard value.orNull(\.bool, into: &dropping) else { return nil }
                    status.logDropping = dropping ?? false
                default: break
                }
            } while reader.consume(UInt8(ascii: ","))
            guard reader.consume(UInt8(ascii: "}")) else { return nil }
        }
        guard let app, let type, let index, let release, let state, let since, let restarts else { return nil }
        status.app = app
        status.type = type
        status.index = index
        status.release = release
        status.state = state
        status.since = since
        status.restarts = restarts
        return status
    }
}

/// A reader of flat JSON (RFC 8259): strings, numbers, true, false and null, the punctuation between them, and no
/// nesting beyond what its caller walks. Every method returns nil or false on what it does not accept.
struct FlatJSONReader {
    enum Scalar {
        case string(String)
        /// The number's text, as JSON's grammar has it.
        case number(String)
        case bool(Bool)
        case null

        var text: String? { if case .string(let text) = self { text } else { nil } }
        var bool: Bool? { if case .bool(let flag) = self { flag } else { nil } }
        var double: Double? { if case .number(let text) = self { Double(text) } else { nil } }
        var int: Int? { integer(Int.self) }
        var int32: Int32? { integer(Int32.self) }
        var int64: Int64? { integer(Int64.self) }

        private func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            if case .number(let text) = self { T(text) } else { nil }
        }

        /// Sets `value` to what `read` makes of this scalar, or to nil for null; false (and `value` as it was) when
        /// it is neither.
        func orNull<T>(_ read: (Scalar) -> T?, into value: inout T?) -> Bool {
            if case .null = self {
                value = nil
                return true
            }
            guard let read = read(self) else { return false }
            value = read
            return true
        }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get {
            skipSpace()
            return offset == bytes.count
        }
    }

    mutating func skipSpace() {
        while offset < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[offset]) { offset += 1 }
    }

    /// Consumes `byte` after any whitespace; false (nothing consumed but the whitespace) when another comes.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        guard offset < bytes.count, bytes[offset] == byte else { return false }
        offset += 1
        return true
    }

    /// A string, number, true, false or null; nil for an object, an array or anything malformed.
    mutating func scalar() -> Scalar? {
        skipSpace()
        guard offset < bytes.count else { return nil }
        switch bytes[offset] {
        case UInt8(ascii: "\""): return string().map { .string($0) }
        case UInt8(ascii: "t"): return word("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return word("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return word("null") ? .null : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = offset
            while offset < bytes.count,
                case let byte = bytes[offset],
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                    || byte == UInt8(ascii: "E")
            {
                offset += 1
            }
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self))
        default: return nil
        }
    }

    private mutating func word(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        for position in 0..<count where bytes[offset + position] != text.utf8Start[position] { return false }
        offset += count
        return true
    }

    /// A string, its escapes resolved; nil when it is malformed (an unknown escape, a lone surrogate, a control
    /// character, invalid UTF-8, no closing quote).
    mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var text = ""
        while true {
            // A run of bytes as they are (the whole string, commonly), up to a quote, a backslash or a control byte.
            let start = offset
            while offset < bytes.count, bytes[offset] != UInt8(ascii: "\""), bytes[offset] != UInt8(ascii: "\\"),
                bytes[offset] >= 0x20
            {
                offset += 1
            }
            guard offset < bytes.count,
                let run = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            else { return nil }
            text += run
            let byte = bytes[offset]
            offset += 1
            if byte == UInt8(ascii: "\"") { return text }
            guard byte == UInt8(ascii: "\\"), offset < bytes.count else { return nil }
            let escape = bytes[offset]
            offset += 1
            switch escape {
            case UInt8(ascii: "\""): text += "\""
            case UInt8(ascii: "\\"): text += "\\"
            case UInt8(ascii: "/"): text += "/"
            case UInt8(ascii: "b"): text += "\u{8}"
            case UInt8(ascii: "f"): text += "\u{c}"
            case UInt8(ascii: "n"): text += "\n"
            case UInt8(ascii: "r"): text += "\r"
            case UInt8(ascii: "t"): text += "\t"
            case UInt8(ascii: "u"):
                guard let unit = hex4() else { return nil }
                let scalar: Unicode.Scalar?
                if (0xD800..<0xDC00).contains(unit) {
                    guard word("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                } else {
                    scalar = Unicode.Scalar(unit)
                }
                guard let scalar else { return nil }
                text.unicodeScalars.append(scalar)
            default: return nil
            }
        }
    }

    private mutating func hex4() -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[offset..<offset + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        offset += 4
        return value
    }
}
