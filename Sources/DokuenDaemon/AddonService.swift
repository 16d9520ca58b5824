import ServiceLifecycle

/// Tends the add-ons after every change the reconcile loop announces (a shim's event, a shim's death, which the
/// add-ons' own `ShimWatcher` reports too): an add-on whose shim is gone is started again, and the apps that follow
/// an add-on whose server restarted are restarted once it answers (`AddonSupervisor.tend`). Between changes it only
/// waits, with no timer: a graceful shutdown cancels the wait.
public struct AddonService: Service {
    let addons: AddonSupervisor
    let supervisor: InstanceSupervisor

    public init(addons: AddonSupervisor, supervisor: InstanceSupervisor) {
        self.addons = addons
        self.supervisor = supervisor
    }

    public func run() async throws {
        // A graceful shutdown cancels the wait, which then returns at once (`change(after:before:)`).
        await cancelWhenGracefulShutdown {
            var generation = await supervisor.generation
            while !Task.isCancelledOrShuttingDown {
                let next = await supervisor.change(after: generation, before: .now.advanced(by: .seconds(86_400)))
                guard next != generation else { continue }
                generation = next
                await addons.tend()
            }
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// Whether the current task is cancelled or its service group shuts down.
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
