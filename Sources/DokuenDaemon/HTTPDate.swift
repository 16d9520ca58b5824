import Foundation
import Synchronization

/// The `Date` header's text (RFC 9110 §5.6.7), formatted again only when the second changed.
final class HTTPDate: Sendable {
    private let cache = Mutex<(second: Int, text: String)>((-1, ""))

    func now() -> String {
        let date = Date()
        let second = Int(date.timeIntervalSince1970)
        return cache.withLock { cache in
            if cache.second != second {
                cache = (second, Self.format(date))
            }
            return cache.text
        }
    }

    private static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
