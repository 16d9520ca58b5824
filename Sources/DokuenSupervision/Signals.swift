/// Signal numbers of Linux, where the shim runs (it is built on signalfd and prctl). The pure code names signals
/// by number so that it needs no C; a test checks this table against Glibc.
public enum Signals {
    public static let hangup: Int32 = 1
    public static let interrupt: Int32 = 2
    public static let quit: Int32 = 3
    public static let kill: Int32 = 9
    public static let user1: Int32 = 10
    public static let user2: Int32 = 12
    public static let terminate: Int32 = 15
    public static let continueProcess: Int32 = 18

    static let names: [(String, Int32)] = [
        ("HUP", hangup), ("INT", interrupt), ("QUIT", quit), ("KILL", kill), ("USR1", user1), ("USR2", user2),
        ("TERM", terminate), ("CONT", continueProcess), ("WINCH", 28),
    ]

    /// Parses `TERM`, `SIGTERM` or `15`. Nil for anything else, and for numbers outside 1...64.
    public static func number(_ text: String) -> Int32? {
        if let first = text.utf8.first, first >= 48, first <= 57 {
            guard text.utf8.count <= 2, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let number = Int32(text) else {
                return nil
            }
            return (1...64).contains(number) ? number : nil
        }
        let name = text.hasPrefix("SIG") ? String(text.dropFirst(3)) : text
        for (candidate, number) in names where candidate == name { return number }
        return nil
    }
}
