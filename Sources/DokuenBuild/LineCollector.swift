import Synchronization

/// Collects the lines of a step whose output is data (detect's name, release's YAML), from the step's thread.
public final class LineCollector: Sendable {
    private let storage = Mutex<[String]>([])

    public init() {}

    public var lines: [String] { storage.withLock { $0 } }

    public var add: @Sendable (String) -> Void { { line in self.storage.withLock { $0.append(line) } } }
}
