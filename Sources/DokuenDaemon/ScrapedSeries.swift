import CoreMetrics
import Prometheus
import Synchronization

/// The series whose values are read at scrape time (`MetricSample`), kept between scrapes so that each is one
/// swift-metrics `Gauge` or `FloatingPointCounter` for as long as what it measures exists: a refresh sets what it
/// is given and destroys the rest, so an instance that is gone (scaled down, replaced by a new release) leaves the
/// output at the next scrape instead of showing its last value for ever.
///
/// A counter sample carries a total read elsewhere (a shim's restarts, a process's CPU time): the counter is
/// incremented by what the total grew since the last refresh. A total that went down (a new shim or process for the
/// same series) resets the counter first, which Prometheus's `rate()` reads as the reset it is.
final class ScrapedSeries: Sendable {
    private struct State {
        var gauges: [String: CoreMetrics.Gauge] = [:]
        var counters: [String: (counter: CoreMetrics.FloatingPointCounter, total: Double)] = [:]
    }

    private let factory: PrometheusMetricsFactory
    private let state = Mutex(State())

    init(factory: PrometheusMetricsFactory) {
        self.factory = factory
    }

    /// Sets every series to `samples`, and destroys the series of the last refresh that `samples` lacks.
    func apply(_ samples: [MetricSample]) {
        state.withLock { state in
            var seenGauges: Set<String> = []
            var seenCounters: Set<String> = []
            for sample in samples {
                let key = sample.series
                let dimensions = sample.labels.map { ($0.name, $0.value) }
                switch sample.kind {
                case .gauge:
                    guard seenGauges.insert(key).inserted else { continue }
                    let gauge =
                        state.gauges[key]
                        ?? CoreMetrics.Gauge(label: sample.name, dimensions: dimensions, factory: factory)
                    gauge.record(sample.value)
                    state.gauges[key] = gauge
                case .counter:
                    guard seenCounters.insert(key).inserted else { continue }
                    let total = max(sample.value, 0)
                    if let (counter, last) = state.counters[key] {
                        if total < last {
                            counter.reset()
                            counter.increment(by: total)
                        } else if total > last {
                            counter.increment(by: total - last)
                        }
                        state.counters[key] = (counter, total)
                    } else {
                        let counter = CoreMetrics.FloatingPointCounter(
                            label: sample.name, dimensions: dimensions, factory: factory)
                        counter.increment(by: total)
                        state.counters[key] = (counter, total)
                    }
                }
            }
            for (key, gauge) in state.gauges where !seenGauges.contains(key) {
                gauge.destroy()
                state.gauges[key] = nil
            }
            for (key, entry) in state.counters where !seenCounters.contains(key) {
                entry.counter.destroy()
                state.counters[key] = nil
            }
        }
    }
}
