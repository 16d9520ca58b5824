import Synchronization

/// Collects the lines of a step whose output is data (detect's name, release's YAML), or the last lines of one
/// whose output streams (for `BuildpackHint`), from the step's thread.
public final class LineCollector: Sendable {
    private let storage = Mutex<[String]>([])
    private let limit: Int?

    /// Keeps every line, or only the last `keepingLast` when given.
    public init(keepingLast limit: Int? = nil) { self.limit = limit }

    public var lines: [String] { storage.withLock { $0 } }

    public var add: @Sendable (String) -> Void {
        { line in
            self.storage.withLock { lines in
                lines.append(line)
                if let limit = self.limit, lines.count > limit { lines.removeFirst(lines.count - limit) }
            }
        }
    }
}
