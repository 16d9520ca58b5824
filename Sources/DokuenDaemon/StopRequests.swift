/// The daemon's stop requests as one stream: the stop signals and `POST /v1/shutdown` both go through it, and one
/// service (in dokuend) turns the first into the service group's graceful shutdown. The API never signals its own
/// process: a request travels as a value.
public final class StopRequests: Sendable {
    /// Every request, in order; the consumer acts on the first.
    public let requests: AsyncStream<StopReason>
    private let continuation: AsyncStream<StopReason>.Continuation

    public init() {
        (requests, continuation) = AsyncStream<StopReason>.makeStream()
    }

    /// Asks the daemon to stop; returns at once (the group finishes requests in flight, this one among them).
    public func request(_ reason: StopReason) {
        continuation.yield(reason)
    }
}
