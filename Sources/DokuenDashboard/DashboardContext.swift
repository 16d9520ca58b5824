import Hummingbird
import NIOCore

/// The context of a dashboard request: Hummingbird's, plus the peer's address, so that `X-Forwarded-Proto` is
/// believed only from this machine (the platform's nginx), never from a browser that connects directly.
public struct DashboardContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Whether the connection came from 127.0.0.0/8 or ::1.
    let fromLoopback: Bool

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let ip = source.channel.remoteAddress?.ipAddress ?? ""
        fromLoopback = ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
