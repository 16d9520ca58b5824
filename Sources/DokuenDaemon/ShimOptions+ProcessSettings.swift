import DokuenCore
import DokuenSupervision

extension ShimOptions {
    /// Applies a process type's settings (`dokuen ps set`) to the shim's command line: stop signal and timeout,
    /// restart policy, what makes the instance ready, its niceness (always, so that the app never keeps the -2 of
    /// the dokuend thread that spawned the shim) and its rlimits (only those set; the others are inherited). `port` is the instance's leased port, which readiness
    /// `port` probes; without one, readiness `port` falls back to `startsecs`. Keys left unset hold their defaults,
    /// the same as the shim's own.
    public mutating func apply(_ settings: ProcessSettings, port: Int?) {
        machine.stopSignal = settings.stopSignal
        logMaxBytes = settings.logMaxBytes
        logBackups = settings.logBackups
        machine.stopTimeout = Int64(settings.stopTimeout) * 1000
        switch settings.restart {
        case .always: machine.restart = .always
        case .onFailure: machine.restart = .onFailure(okCodes: [0])
        case .never: machine.restart = .never
        }
        machine.startTimeout = Int64(settings.startTimeout) * 1000
        let upFor = Readiness.upFor(Int64(settings.startsecs) * 1000)
        switch settings.readiness {
        case .startsecs: machine.readiness = upFor
        case .port: machine.readiness = port.map { .port(Int32($0)) } ?? upFor
        case .notify: machine.readiness = .notifySocket
        }
        nice = settings.nice
        // memory and pids have no rlimit; the route refuses them, as nothing here could enforce them.
        let rlimits: [(ResourceLimit.Resource, ProcessSettings.Limit?)] = [
            (.nofile, settings.nofile), (.nproc, settings.nproc), (.core, settings.core),
        ]
        limits = rlimits.compactMap { resource, limit in
            limit.map { limit in
                switch limit {
                case .at(let value): ResourceLimit(resource: resource, value: value)
                case .unlimited: ResourceLimit(resource: resource, value: nil)
                }
            }
        }
    }
}
