/// When dokuend takes a scheduled backup (`dokuen backup schedule`, docs/BACKUP.md): `hourly`, `daily HH:MM`,
/// `weekly DAY HH:MM` (DAY is mon…sun or monday…sunday) or a five-field cron expression (docs/CRON.md), all read in
/// the host's time zone. The words are shorthands for cron expressions, so `nextFire` is `CronSchedule`'s.
public struct BackupSchedule: Sendable, Equatable, CustomStringConvertible {
    /// The schedule as written (normalized: one space between words, lowercase words).
    public let text: String
    /// The cron expression it stands for.
    public let cron: CronSchedule

    public var description: String { text }

    static let days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let longDays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    public init(_ given: String) throws(CoreError) {
        let words = given.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let lower = words.map { $0.lowercased() }
        func time(_ word: String) throws(CoreError) -> (hour: Int, minute: Int) {
            let parts = word.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
                let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
            else {
                throw .invalidBackupSchedule(
                    given, reason: "\(Quoting.quoted(word)) is not a time HH:MM (00:00 to 23:59)")
            }
            return (hour, minute)
        }
        let expression: String
        switch lower.first {
        case "hourly" where words.count == 1:
            expression = "0 * * * *"
        case "daily" where words.count == 2:
            let (hour, minute) = try time(words[1])
            expression = "\(minute) \(hour) * * *"
        case "weekly" where words.count == 3:
            guard let day = Self.days.firstIndex(of: lower[1]) ?? Self.longDays.firstIndex(of: lower[1]) else {
                throw .invalidBackupSchedule(
                    given, reason: "\(Quoting.quoted(words[1])) is not a day of the week (mon, tue, … sun)")
            }
            let (hour, minute) = try time(words[2])
            expression = "\(minute) \(hour) * * \(day)"
        case "hourly", "daily", "weekly":
            throw .invalidBackupSchedule(given, reason: "use hourly, daily HH:MM or weekly DAY HH:MM")
        default:
            guard words.count == 5 else {
                throw .invalidBackupSchedule(
                    given,
                    reason: "use hourly, daily HH:MM, weekly DAY HH:MM or a cron expression of five fields "
                        + "(minute hour day-of-month month day-of-week)")
            }
            expression = words.joined(separator: " ")
            do { _ = try CronSchedule(expression) } catch {
                if case .invalidCronSchedule(_, let reason) = error {
                    throw .invalidBackupSchedule(given, reason: reason)
                }
                throw error
            }
        }
        text = words.count == 5 ? words.joined(separator: " ") : lower.joined(separator: " ")
        cron = try CronSchedule(expression)
    }

    /// The first instant after `after` at which the backup is due in `zone`.
    public func nextFire(after: Int64, in zone: some CronZone) -> Int64? { cron.nextFire(after: after, in: zone) }
}
