import Metrics
import Prometheus
import Synchronization

/// The process's Prometheus registry. swift-metrics allows one bootstrap per process, so the first runtime made
/// installs it and later ones (tests make many) share it.
enum Observability {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
