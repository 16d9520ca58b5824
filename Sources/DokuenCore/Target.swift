/// What a supervisorctl-style verb acts on: `all`, `APP`, `APP:TYPE` or `APP:TYPE.N` (`dokuen status blog:web.2`).
public enum Target: Hashable, Sendable, CustomStringConvertible {
    case all
    case app(AppName)
    case type(AppName, ProcessType)
    case slot(AppName, ProcessType, Int)

    public init(_ text: String) throws(CoreError) {
        if text == "all" {
            self = .all
            return
        }
        guard let colon = text.firstIndex(of: ":") else {
            self = .app(try Self.app(text, in: text))
            return
        }
        let app = try Self.app(String(text[..<colon]), in: text)
        let rest = String(text[text.index(after: colon)...])
        guard let dot = rest.lastIndex(of: ".") else {
            self = .type(app, try Self.type(rest, in: text))
            return
        }
        let type = try Self.type(String(rest[..<dot]), in: text)
        let number = rest[rest.index(after: dot)...]
        guard !number.isEmpty, number.utf8.count <= 3, number.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            number.first != "0", let index = Int(number), index <= InstanceID.maxIndex
        else {
            throw .invalidTarget(text, reason: "the instance number must be 1 to \(InstanceID.maxIndex), as in web.2")
        }
        self = .slot(app, type, index)
    }

    /// The app the target names, nil for `all`.
    public var app: AppName? {
        switch self {
        case .all: nil
        case .app(let app), .type(let app, _), .slot(let app, _, _): app
        }
    }

    public func matches(_ instance: InstanceID) -> Bool {
        switch self {
        case .all: true
        case .app(let app): instance.app == app
        case .type(let app, let type): instance.app == app && instance.type == type
        case .slot(let app, let type, let index):
            instance.app == app && instance.type == type && instance.index == index
        }
    }

    public var description: String {
        switch self {
        case .all: "all"
        case .app(let app): app.rawValue
        case .type(let app, let type): "\(app):\(type)"
        case .slot(let app, let type, let index): "\(app):\(type).\(index)"
        }
    }

    private static func app(_ text: String, in target: String) throws(CoreError) -> AppName {
        if let reason = AppName.rejection(of: text) {
            throw .invalidTarget(
                target,
                reason: "app name \(Quoting.quoted(text)) is invalid: \(reason); use APP, APP:TYPE, APP:TYPE.N or all")
        }
        return try AppName(text)
    }

    private static func type(_ text: String, in target: String) throws(CoreError) -> ProcessType {
        if let reason = ProcessType.rejection(of: text) {
            throw .invalidTarget(target, reason: "process type \(Quoting.quoted(text)) is invalid: \(reason)")
        }
        return try ProcessType(text)
    }
}
