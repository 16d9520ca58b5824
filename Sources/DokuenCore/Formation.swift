/// How many instances of each process type should run, as typed by a user: `web=2 worker=1`,
/// `web=2,worker=1`, or both mixed across arguments. Order is kept; naming a type twice is an error.
public struct Formation: Equatable, Sendable {
    /// The most instances of one type; ports come from a range of 1000 by default.
    public static let maxCount = 100

    /// One `type=count` pair.
    public struct Scale: Equatable, Sendable {
        public let type: ProcessType
        public let count: Int

        public init(type: ProcessType, count: Int) {
            self.type = type
            self.count = count
        }
    }

    public let scales: [Scale]

    public init(scales: [Scale]) { self.scales = scales }

    public subscript(type: ProcessType) -> Int? { scales.first { $0.type == type }?.count }

    /// Parses command-line arguments such as `["web=2", "worker=1"]` or `["web=2,worker=1"]`.
    public static func parse(_ arguments: [String]) throws(CoreError) -> Formation {
        var scales: [Scale] = []
        for argument in arguments {
            for piece in argument.split(separator: ",", omittingEmptySubsequences: false) {
                let item = String(piece).trimmingSpacesAndTabs()
                if item.isEmpty {
                    throw .invalidFormation(argument, reason: "it has an empty item; write type=count, e.g. web=2")
                }
                let scale = try parseItem(item)
                if scales.contains(where: { $0.type == scale.type }) {
                    throw .invalidFormation(argument, reason: "process type '\(scale.type)' is given twice")
                }
                scales.append(scale)
            }
        }
        if scales.isEmpty { throw .invalidFormation("", reason: "nothing to scale; write type=count, e.g. web=2") }
        return Formation(scales: scales)
    }

    /// The canonical text: `web=2 worker=1`.
    public var description: String { scales.map { "\($0.type)=\($0.count)" }.joined(separator: " ") }

    private static func parseItem(_ item: String) throws(CoreError) -> Scale {
        let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .invalidFormation(item, reason: "expected type=count, e.g. web=2")
        }
        let name = String(parts[0]).trimmingSpacesAndTabs()
        let countText = String(parts[1]).trimmingSpacesAndTabs()
        if let reason = ProcessType.rejection(of: name) {
            throw .invalidFormation(item, reason: "process type \(Quoting.quoted(name)) is invalid: \(reason)")
        }
        let type = try ProcessType(name)
        guard !countText.isEmpty, countText.utf8.count <= 4, countText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            let count = Int(countText), count <= maxCount
        else {
            throw .invalidFormation(
                item, reason: "count \(Quoting.quoted(countText)) is not a whole number from 0 to \(maxCount)")
        }
        return Scale(type: type, count: count)
    }
}

extension Formation {
    /// Why a type of a new release runs the count it does (`Formation.forRelease`).
    public enum Origin: Equatable, Sendable {
        /// The type was in the release before: it keeps its count.
        case kept
        /// Set before the first release by `ps scale` or `DOKUEN_SCALE`.
        case scaled
        /// The `quantity` of app.json's `formation`.
        case manifest
        /// New and not named anywhere: `web` starts with 1, any other type with 0.
        case fallback
        /// Not in the new release: it goes to 0.
        case dropped
    }

    /// One type's count in a new release, and why.
    public struct Decision: Equatable, Sendable {
        public let type: ProcessType
        public let count: Int
        public let origin: Origin

        public init(type: ProcessType, count: Int, origin: Origin) {
            self.type = type
            self.count = count
            self.origin = origin
        }
    }

    /// The formation of a new release (docs/DESIGN.md §2, Formation), one rule for every deploy: a type of the
    /// release before keeps its count (`stored`); a new type gets the count set for it before the first release
    /// (`ps scale`, `DOKUEN_SCALE`: only then can a type the app does not run yet be scaled), else app.json's
    /// `quantity` (`manifest`), else 1 for `web` and 0 for any other type; a stored type the release does not have
    /// goes to 0. `previousTypes` is nil at the first release. Types come out in name order, dropped ones last.
    public static func forRelease(
        types: Set<ProcessType>, previousTypes: Set<ProcessType>?, stored: [ProcessType: Int],
        manifest: [ProcessType: Int]
    ) -> [Decision] {
        var decisions = types.sorted().map { type -> Decision in
            if let previousTypes, previousTypes.contains(type), let count = stored[type] {
                return Decision(type: type, count: count, origin: .kept)
            }
            if previousTypes == nil, let count = stored[type] {
                return Decision(type: type, count: count, origin: .scaled)
            }
            if let count = manifest[type] { return Decision(type: type, count: count, origin: .manifest) }
            return Decision(type: type, count: type.rawValue == "web" ? 1 : 0, origin: .fallback)
        }
        for type in stored.keys.sorted() where !types.contains(type) {
            decisions.append(Decision(type: type, count: 0, origin: .dropped))
        }
        return decisions
    }

    /// What a deploy says of `decisions` beyond the counts: the new types left at 0, and, at the first release
    /// (`firstRelease`), each type scaled before it (`stored`) that the release does not have.
    public static func notes(
        _ decisions: [Decision], stored: [ProcessType: Int], firstRelease: Bool, app: String
    ) -> [String] {
        var notes: [String] = []
        let idle = decisions.filter { $0.origin == .fallback && $0.count == 0 }.map(\.type.rawValue)
        if let first = idle.first {
            notes.append(
                "\(idle.joined(separator: ", ")): new, so 0 until scaled (dokuen ps scale \(app) \(first)=1, or "
                    + "app.json's formation)")
        }
        if firstRelease {
            for decision in decisions where decision.origin == .dropped {
                notes.append(
                    "\(decision.type)=\(stored[decision.type] ?? 0) was set before the first deploy, but this release "
                        + "has no \(decision.type); it goes to 0")
            }
        }
        return notes
    }
}
