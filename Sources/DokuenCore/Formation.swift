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
