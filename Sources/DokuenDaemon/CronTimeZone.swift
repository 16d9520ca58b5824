import DokuenCore
import Foundation

/// The zone a cron job's schedule is read in (docs/CRON.md): the app's `TZ` if its config sets a known one, else the
/// host's. Backed by Foundation's `TimeZone` (tz data, DST rules), which DokuenCore keeps out of its pure schedule.
public struct CronTimeZone: CronZone, Sendable {
    public let zone: TimeZone

    public init(_ zone: TimeZone) { self.zone = zone }

    /// The zone named by `TZ` (`Europe/Berlin`, `:Europe/Berlin`), or nil if the name is unknown.
    public init?(identifier: String) {
        let name = identifier.hasPrefix(":") ? String(identifier.dropFirst()) : identifier
        guard !name.isEmpty, let zone = TimeZone(identifier: name) else { return nil }
        self.zone = zone
    }

    /// The host's zone (`/etc/localtime`, or dokuend's own `TZ`).
    public static var host: CronTimeZone { CronTimeZone(TimeZone.current) }

    /// UTC as a fixed offset, which FoundationEssentials answers without ICU's time zone data.
    public static var utc: CronTimeZone { CronTimeZone(TimeZone(secondsFromGMT: 0) ?? .gmt) }

    public var identifier: String { zone.identifier }

    public func utcOffset(at instant: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }
}
