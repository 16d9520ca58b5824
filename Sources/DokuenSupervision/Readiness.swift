/// What makes a started instance ready (STARTING → RUNNING).
public enum Readiness: Equatable, Sendable {
    /// It stayed up this many milliseconds (supervisord's startsecs).
    case upFor(Int64)
    /// It wrote a line on this fd (s6's notification-fd).
    case notificationFD(Int32)
    /// It sent `READY=1` to `$NOTIFY_SOCKET` (sd_notify(3)).
    case notifySocket
    /// 127.0.0.1:port accepted a TCP connection.
    case port(Int32)
}
