import Synchronization

/// Collects the lines of a step whose output is data (detect's name, release's YAML), from the step's thread.
final class LineCollector: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }

    var add: @Sendable (String) -> Void { { line in self.storage.withLock { $0.append(line) } } }
}
