import DokuenCore
import Foundation
import Synchronization

/// The `Date` header's text (RFC 9110 §5.6.7), formatted again only when the second changed. `UTCTime.httpDate` is
/// pure arithmetic: a DateFormatter here loaded ICU's locale, calendar and time zone data into dokuend at its first
/// request (issue 22's memory, docs/BENCHMARKS.md).
final class HTTPDate: Sendable {
    private let cache = Mutex<(second: Int64, text: String)>((-1, ""))

    func now() -> String {
        let second = Int64(Date().timeIntervalSince1970.rounded(.down))
        return cache.withLock { cache in
            if cache.second != second {
                cache = (second, UTCTime.httpDate(second))
            }
            return cache.text
        }
    }
}
