/// One process instance: (app, type, index, release), docs/DESIGN.md §2 "Instances". Its service directory is
/// `run/svc/<app>/<type>.<index>@v<N>/`; during a cutover the old and new instances of a slot `APP:TYPE.N` run side
/// by side, each with its own directory.
public struct InstanceID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maxIndex = Formation.maxCount

    public let app: AppName
    public let type: ProcessType
    /// 1-based, as in `web.1`.
    public let index: Int
    public let release: ReleaseID

    public init(app: AppName, type: ProcessType, index: Int, release: ReleaseID) throws(CoreError) {
        guard (1...Self.maxIndex).contains(index) else {
            throw .invalidTarget("\(app):\(type).\(index)", reason: "instance numbers run from 1 to \(Self.maxIndex)")
        }
        self.app = app
        self.type = type
        self.index = index
        self.release = release
    }

    /// `web.1`, Heroku's DYNO.
    public var dyno: String { "\(type).\(index)" }

    /// `blog:web.1`, the slot, as `dokuen status` names it.
    public var slot: String { "\(app):\(dyno)" }

    public var description: String { "\(slot)@\(release)" }

    /// The service directory's name under `run/svc/<app>/`: `web.1@v3`.
    public var directoryName: String { "\(dyno)@\(release)" }

    /// Parses a service directory name found under `run/svc/<app>/` (when dokuend re-adopts shims).
    public init(app: AppName, directoryName name: String) throws(CoreError) {
        guard let at = name.lastIndex(of: "@"), let dot = name[..<at].lastIndex(of: ".") else {
            throw .invalidTarget(name, reason: "expected <type>.<n>@v<N>, e.g. web.1@v3")
        }
        let type = try ProcessType(String(name[..<dot]))
        let indexText = name[name.index(after: dot)..<at]
        guard !indexText.isEmpty, indexText.utf8.count <= 3, indexText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            indexText.first != "0", let index = Int(indexText)
        else { throw .invalidTarget(name, reason: "the instance number is not 1 to \(Self.maxIndex)") }
        let release = try ReleaseID(String(name[name.index(after: at)...]))
        try self.init(app: app, type: type, index: index, release: release)
    }

    public static func < (lhs: InstanceID, rhs: InstanceID) -> Bool {
        (lhs.app, lhs.type, lhs.index, lhs.release) < (rhs.app, rhs.type, rhs.index, rhs.release)
    }
}

extension RootLayout {
    /// `run/svc/<app>/<type>.<n>@v<N>`.
    public func serviceDirectory(_ instance: InstanceID) -> String {
        serviceDirectory + "/" + instance.app.rawValue + "/" + instance.directoryName
    }
}
