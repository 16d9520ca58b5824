/// Settings written `KEY=VALUE` and stored as rows of key and value: `ProcessSettings` (`dokuen ps set`) and
/// `HealthCheck` (`dokuen checks set`). One parser for the CLI, the API, the store and app.json, so a value is
/// checked the same way wherever it comes from. An empty value (`KEY=`) means "back to the default".
public protocol KeyValueSettings {
    associatedtype Key: RawRepresentable, CaseIterable, Comparable, Hashable, CustomStringConvertible
    where Key.RawValue == String

    /// Every key at its default.
    init()
    /// Sets `key` from its text, after checking it against the key's range.
    mutating func set(_ key: Key, to text: String) throws(CoreError)
    /// One assignment, shown when an argument has no `=` (e.g. `stop_timeout=10`).
    static var example: String { get }
}

extension KeyValueSettings {
    /// Settings from `key: value` pairs (stored rows, a JSON body, app.json), each checked as `set` does.
    public init(values: [String: String]) throws(CoreError) {
        self.init()
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            try set(try Self.key(name, in: name + "=" + value), to: value)
        }
    }

    /// The key named `name`; `context` is the whole setting, for the message.
    public static func key(_ name: String, in context: String? = nil) throws(CoreError) -> Key {
        guard let key = Key(rawValue: name) else {
            throw .invalidSetting(
                context ?? name,
                reason: "unknown key \(Quoting.quoted(name)); the keys are "
                    + Key.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return key
    }

    /// Parses one `KEY=VALUE` argument; `KEY=` gives a nil value.
    public static func assignment(_ text: String) throws(CoreError) -> (key: Key, value: String?) {
        guard let equals = text.firstIndex(of: "=") else {
            throw .invalidSetting(text, reason: "expected KEY=VALUE, e.g. \(example), or KEY= to unset it")
        }
        let key = try key(String(text[..<equals]), in: text)
        let value = String(text[text.index(after: equals)...])
        if value.isEmpty { return (key, nil) }
        var check = Self()
        try check.set(key, to: value)
        return (key, value)
    }

    /// `KEY=VALUE` arguments as the keys to set (with their text) and the keys to unset, in the order given; a key
    /// given twice is an error.
    public static func assignments(_ texts: [String]) throws(CoreError) -> (set: [(Key, String)], unset: [Key]) {
        var set: [(Key, String)] = []
        var unset: [Key] = []
        var seen: Set<Key> = []
        for text in texts {
            let (key, value) = try assignment(text)
            guard seen.insert(key).inserted else { throw .invalidSetting(text, reason: "\(key) is given twice") }
            if let value { set.append((key, value)) } else { unset.append(key) }
        }
        return (set, unset)
    }
}
