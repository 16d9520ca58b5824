import Synchronization

/// Collects the lines a step delivers, from whatever thread delivers them.
final class LineCollector: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }

    var callback: @Sendable (String) -> Void { { line in self.storage.withLock { $0.append(line) } } }
}
