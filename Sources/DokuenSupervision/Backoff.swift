/// The restart delays: the first restart after an unexpected exit is immediate, then the delay doubles from
/// `initial` up to `maximum`. A run that lasted `stableAfter` resets the count. `fatalAfter` fast failures in a row
/// make the state FATAL, which retries every `fatalRetry`. All times in milliseconds.
public struct Backoff: Equatable, Sendable {
    public var initial: Int64 = 1_000
    public var maximum: Int64 = 60_000
    public var stableAfter: Int64 = 30_000
    public var fatalAfter: Int = 10
    public var fatalRetry: Int64 = 300_000

    public init() {}

    /// The delay before restart number `failures` of a series (1 for the first failure).
    public func delay(failures: Int) -> Int64 {
        if failures <= 1 { return 0 }
        var delay = initial
        for _ in 2..<failures {
            if delay >= maximum { break }
            delay *= 2
        }
        return min(delay, maximum)
    }
}
