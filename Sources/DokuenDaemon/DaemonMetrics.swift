import CoreMetrics
import DokuenCore
import Metrics
import Prometheus

/// dokuend's Prometheus metrics (docs/METRICS.md). Everything is recorded through swift-metrics' API (`Counter`,
/// `Gauge`, `Timer`) into a `PrometheusMetricsFactory` over a registry of this object's own, which
/// `GET /v1/metrics` writes out in Prometheus's text format: no exposition text is written by hand.
///
/// Two kinds of metric live here. What happens (a reconcile pass, a deploy's end, an API request) is recorded when
/// it happens. What is state (an instance's restarts, an add-on being up) is read when `/v1/metrics` is asked, from
/// what the daemon holds in memory, and handed to `refresh`, which removes the series of whatever is gone
/// (`ScrapedSeries`).
///
/// Tests make one each and pass it in; only dokuend makes its factory the process's (`bootstrapSystem`), once, for
/// the metrics that Hummingbird's `MetricsMiddleware` records through the global `MetricsSystem`.
public final class DaemonMetrics: Sendable {
    /// The Prometheus text format's media type, as Prometheus asks for it (version 0.0.4).
    public static let contentType = "text/plain; version=0.0.4"

    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let reconcilePasses: CoreMetrics.Counter
    private let scraped: ScrapedSeries

    /// Buckets of `dokuen_deploy_duration_seconds`: a deploy takes seconds to many minutes (a build), not the
    /// milliseconds of the factory's defaults.
    static let deployBuckets: [Duration] = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800].map { .seconds($0) }

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [MetricName.deployDuration: Self.deployBuckets]
        factory.nameAndLabelSanitizer = { name, labels in
            (MetricName.prometheus(name), labels.map { (MetricName.prometheusLabel($0.0), $0.1) })
        }
        self.factory = factory
        reconcilePasses = CoreMetrics.Counter(label: MetricName.reconcilePasses, factory: factory)
        scraped = ScrapedSeries(factory: factory)
    }

    /// Makes this factory the one of swift-metrics' global `MetricsSystem`, for the metrics recorded by code that
    /// cannot be handed a factory (Hummingbird's `MetricsMiddleware`: API request counts and durations). dokuend
    /// calls it once, before the API serves; swift-metrics traps on a second bootstrap.
    public func bootstrapSystem() {
        MetricsSystem.bootstrap(factory)
    }

    /// One pass of the reconcile loop ran (`InstanceSupervisor.reconcile`).
    func reconcilePassed() {
        reconcilePasses.increment()
    }

    /// A deploy of `app` ended after `duration`: one more of its outcome, and its duration.
    func deployEnded(_ app: AppName, succeeded: Bool, duration: Duration) {
        let outcome = succeeded ? "succeeded" : "failed"
        CoreMetrics.Counter(
            label: MetricName.deploys, dimensions: [("app", app.rawValue), ("outcome", outcome)], factory: factory
        ).increment()
        CoreMetrics.Timer(label: MetricName.deployDuration, dimensions: [("app", app.rawValue)], factory: factory)
            .record(duration: duration)
    }

    /// `app` was destroyed: its deploy series leave the output. (Asking the factory for a series returns the one
    /// registered, so destroying what it returns unregisters it.)
    func appDestroyed(_ app: AppName) {
        for outcome in ["succeeded", "failed"] {
            CoreMetrics.Counter(
                label: MetricName.deploys, dimensions: [("app", app.rawValue), ("outcome", outcome)], factory: factory
            ).destroy()
        }
        CoreMetrics.Timer(label: MetricName.deployDuration, dimensions: [("app", app.rawValue)], factory: factory)
            .destroy()
    }

    /// Sets every series read at scrape time to `samples`; the series of the last refresh that `samples` lacks
    /// disappear from the output.
    func refresh(_ samples: [MetricSample]) {
        scraped.apply(samples)
    }

    /// Every metric in Prometheus's text format (version 0.0.4).
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
