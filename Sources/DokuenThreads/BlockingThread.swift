import Foundation

/// The one place where dokuend gives a blocking system call a thread of its own (in a module of its own, so that its
/// API and its dashboard, which calls the API with the blocking `UnixHTTPClient`, share it, and so that `dokuen`,
/// which links DokuenAPI, does not link Foundation's `Thread` and ICU with it). Swift's cooperative pool must never
/// block (a pool thread parked in poll(2), recv(2) or read(2) is one fewer for every task), and Hummingbird offers no
/// way to add an fd to NIO's event loops. So a loop that blocks runs here, on a dedicated thread, and hands what it
/// finds to async code through a stream; the service that consumes the stream is what the service group runs and
/// shuts down.
///
/// A loop thread is never joined: it stays parked in its system call when its consumer stops at shutdown, and ends
/// with the process, which exits right after its service group.
package enum BlockingThread {
    /// Runs `loop` on a new thread named `name`; what it passes to its argument comes out of the returned stream, in
    /// order and never dropped. The stream finishes when the loop returns.
    package static func stream<Element: Sendable>(
        _ name: String, _ loop: @escaping @Sendable (_ yield: (Element) -> Void) -> Void
    ) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream<Element>.makeStream()
        start(name) {
            loop { continuation.yield($0) }
            continuation.finish()
        }
        return stream
    }

    /// Runs `work` on a new thread named `name` and returns its result: blocking work done once (a health probe).
    package static func run<Result: Sendable>(_ name: String, _ work: @escaping @Sendable () -> Result) async -> Result
    {
        await withCheckedContinuation { continuation in
            start(name) { continuation.resume(returning: work()) }
        }
    }

    /// Starts `body` on a new thread named `name`.
    package static func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }
}
