import DokuenPosix
import Hummingbird
import NIOCore

/// The context of every API request: Hummingbird's, plus who is on the other end of the Unix socket. The kernel
/// says who connected (SO_PEERCRED), so the event log names a user the client cannot choose (docs/DESIGN.md invariant
/// 6).
public struct DokuenContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The connecting process's credentials, nil when the transport has none (not a Unix socket).
    func peerCredentials() async -> PeerCredentials? {
        guard let provider = channel as? SocketOptionProvider,
            let raw = try? await PeerCredentials.read(provider).get()
        else { return nil }
        return PeerCredentials(pid: raw.0, uid: raw.1, gid: raw.2)
    }
}

/// A connecting process: Linux's `struct ucred`.
struct PeerCredentials {
    let pid: Int32
    let uid: UInt32
    let gid: UInt32

    /// Glibc hides `struct ucred` behind _GNU_SOURCE; a tuple has its C layout (int, uid_t, gid_t). Kept internal
    /// and out of line, as NIO asks of `unsafeGetSocketOption` calls.
    static func read(_ provider: SocketOptionProvider) -> EventLoopFuture<(Int32, UInt32, UInt32)> {
        provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SocketOption.peerCredentials.level),
            name: SocketOptionName(SocketOption.peerCredentials.name))
    }
}
