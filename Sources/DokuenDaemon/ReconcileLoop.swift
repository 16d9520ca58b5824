import ServiceLifecycle

/// The service that runs the reconcile passes others ask for (`InstanceSupervisor.requestReconcile`: a shim's event,
/// a shim's death). Requests that arrive during a pass merge into one more pass; with nothing asked, it waits and
/// costs nothing.
public struct ReconcileLoop: Service {
    let supervisor: InstanceSupervisor

    public init(supervisor: InstanceSupervisor) {
        self.supervisor = supervisor
    }

    public func run() async throws {
        for await _ in supervisor.reconcileRequests.cancelOnGracefulShutdown() {
            do { try await supervisor.reconcile() } catch {
                DaemonLog.error("reconcile", "unable to reconcile: \(error)")
            }
        }
    }
}
