import ServiceLifecycle

/// The service of dokuend's group that renews automatic certificates (`AcmeRenewer`, docs/CERTS.md). It waits on
/// the next attempt's deadline or a wake, never on a poll; on a graceful shutdown it stops, and a lego run in
/// progress is stopped with its group.
public struct AcmeService: Service {
    let renewer: AcmeRenewer

    public init(renewer: AcmeRenewer) { self.renewer = renewer }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await renewer.loop()
        } onGracefulShutdown: {
            Task { await renewer.finish() }
        }
    }
}
