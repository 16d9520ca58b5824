/// An HTTP check that every new `web` instance must pass before nginx routes to it (docs/DESIGN.md §2, deploy step 5):
/// `GET path` on 127.0.0.1:$PORT answers `status`, and its body contains `content` when that is set. It is tried
/// up to `attempts` times, `wait` seconds apart, each attempt given `timeout` seconds, the first one after
/// `initialDelay` seconds. It comes from `app.json` `healthchecks` (Dokku's format) or `dokuen checks set`, whose
/// `KEY=VALUE` pairs this one parser reads, so both are checked the same way.
///
/// Before any HTTP check, every new web instance must accept a TCP connection on its port within 60 s of its
/// start (Heroku's R10 rule); that one needs no setting.
public struct HealthCheck: Equatable, Sendable, KeyValueSettings {
    public static let example = "path=/health"

    /// A setting's name, snake_case (`dokuen checks set`); app.json's camelCase `initialDelay` maps to
    /// `initial_delay`.
    public enum Key: String, CaseIterable, Comparable, Sendable, CustomStringConvertible {
        case path
        case status
        case content
        case attempts
        case wait
        case timeout
        case initialDelay = "initial_delay"

        public var description: String { rawValue }

        /// The values the key takes, as a message or `--help` says it.
        public var allowed: String {
            switch self {
            case .path:
                "an absolute path with an optional query, in printable ASCII with no space or # (/health, /up?full=1)"
            case .status: "an HTTP status code from 100 to 599"
            case .content: "up to \(HealthCheck.maxContent) bytes of printable ASCII text"
            case .attempts: "a whole number from 1 to \(HealthCheck.maxAttempts)"
            case .wait, .initialDelay: "whole seconds from 0 to \(HealthCheck.maxSeconds)"
            case .timeout: "whole seconds from 1 to \(HealthCheck.maxSeconds)"
            }
        }

        /// What the key does, for `--help`.
        public var summary: String {
            switch self {
            case .path: "the path requested (default /)"
            case .status: "the status the answer must have (default 200)"
            case .content: "text the answer's body must contain (default: any body)"
            case .attempts: "how many times the check is tried before the deploy fails (default 5)"
            case .wait: "seconds between two attempts (default 2)"
            case .timeout: "seconds one attempt may take (default 5)"
            case .initialDelay:
                "seconds between the new instances accepting on their ports and the first attempt (default 0; "
                    + "checks run does not wait it)"
            }
        }

        public static func < (lhs: Key, rhs: Key) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public static let maxAttempts = 100
    public static let maxSeconds = 600
    public static let maxContent = 200
    public static let maxPath = 1024

    public private(set) var path = "/"
    public private(set) var status = 200
    /// Nil: any body passes.
    public private(set) var content: String?
    public private(set) var attempts = 5
    public private(set) var wait = 2
    public private(set) var timeout = 5
    public private(set) var initialDelay = 0
    /// The keys given a value; every other key holds its default.
    public private(set) var explicitKeys: Set<Key> = []

    /// Every key at its default: `GET /` answers 200.
    public init() {}

    /// Sets `key` from its text, after checking it.
    public mutating func set(_ key: Key, to text: String) throws(CoreError) {
        func refuse() -> CoreError { .invalidSetting("\(key)=\(text)", reason: "\(key) takes \(key.allowed)") }
        switch key {
        case .path:
            guard text.hasPrefix("/"), text.utf8.count <= Self.maxPath,
                text.utf8.allSatisfy({ (0x21..<0x7F).contains($0) && $0 != UInt8(ascii: "#") })
            else { throw refuse() }
            path = text
        case .status:
            guard let number = Self.number(text, in: 100...599) else { throw refuse() }
            status = number
        case .content:
            guard !text.isEmpty, text.utf8.count <= Self.maxContent,
                text.utf8.allSatisfy({ (0x20..<0x7F).contains($0) })
            else { throw refuse() }
            content = text
        case .attempts:
            guard let number = Self.number(text, in: 1...Self.maxAttempts) else { throw refuse() }
            attempts = number
        case .wait:
            guard let number = Self.number(text, in: 0...Self.maxSeconds) else { throw refuse() }
            wait = number
        case .timeout:
            guard let number = Self.number(text, in: 1...Self.maxSeconds) else { throw refuse() }
            timeout = number
        case .initialDelay:
            guard let number = Self.number(text, in: 0...Self.maxSeconds) else { throw refuse() }
            initialDelay = number
        }
        explicitKeys.insert(key)
    }

    /// Puts `key` back to its default.
    public mutating func unset(_ key: Key) {
        let defaults = HealthCheck()
        switch key {
        case .path: path = defaults.path
        case .status: status = defaults.status
        case .content: content = defaults.content
        case .attempts: attempts = defaults.attempts
        case .wait: wait = defaults.wait
        case .timeout: timeout = defaults.timeout
        case .initialDelay: initialDelay = defaults.initialDelay
        }
        explicitKeys.remove(key)
    }

    /// The canonical text of `key`'s value, set or default; "" for no content.
    public func value(_ key: Key) -> String {
        switch key {
        case .path: path
        case .status: String(status)
        case .content: content ?? ""
        case .attempts: String(attempts)
        case .wait: String(wait)
        case .timeout: String(timeout)
        case .initialDelay: String(initialDelay)
        }
    }

    /// The keys that are set, with their canonical text: what the store keeps and the API returns.
    public var explicitValues: [String: String] {
        Dictionary(uniqueKeysWithValues: explicitKeys.map { ($0.rawValue, value($0)) })
    }

    /// The request line and headers of one attempt. `path` was checked to be printable ASCII with no space, so
    /// it cannot end the request line early; `host` is the app's own name.
    public func request(host: String) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: dokuen-check\r\nConnection: close\r\n\r\n".utf8)
    }

    /// Why an answer fails the check, or nil when it passes. `response` is the raw answer as read until the
    /// server closed (or the size limit): status line, headers and body. A chunked body is searched as sent,
    /// which finds any content that does not straddle a chunk boundary.
    public func verdict(response: [UInt8]) -> String? {
        guard let lineEnd = response.firstIndex(of: UInt8(ascii: "\n")) else {
            return response.isEmpty ? "the connection closed with no answer" : "the answer has no status line"
        }
        let line = String(decoding: response[..<lineEnd], as: UTF8.self)
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]) else {
            return "the answer is not HTTP: \(Quoting.quoted(String(line.prefix(80))))"
        }
        guard code == status else { return "answered \(code), not \(status)" }
        if let content {
            let body = Self.body(of: response)
            guard Self.contains(body, Array(content.utf8)) else {
                return "answered \(code) without \(Quoting.quoted(content)) in its body"
            }
        }
        return nil
    }

    /// What follows the blank line that ends the headers.
    static func body(of response: [UInt8]) -> ArraySlice<UInt8> {
        let separator: [UInt8] = [13, 10, 13, 10]
        var index = response.startIndex
        while index + 4 <= response.endIndex {
            if response[index..<index + 4].elementsEqual(separator) { return response[(index + 4)...] }
            index += 1
        }
        return []
    }

    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        var start = haystack.startIndex
        while start + needle.count <= haystack.endIndex {
            if haystack[start..<start + needle.count].elementsEqual(needle) { return true }
            start += 1
        }
        return false
    }

    private static func number(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 6, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let number = Int(text), range.contains(number)
        else { return nil }
        return number
    }
}
