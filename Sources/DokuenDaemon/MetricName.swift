/// The names of dokuend's metrics (docs/METRICS.md lists each with its type and meaning), and the mapping of the
/// names other code records through swift-metrics to Prometheus's (`[a-zA-Z_:][a-zA-Z0-9_:]*`, labels without the
/// colon).
enum MetricName {
    static let instanceState = "dokuen_instance_state"
    static let instanceRestarts = "dokuen_instance_restarts_total"
    static let instanceCPU = "dokuen_instance_cpu_seconds_total"
    static let instanceResident = "dokuen_instance_resident_memory_bytes"
    static let instanceLogDropped = "dokuen_instance_log_dropped_bytes_total"
    static let instanceLogFile = "dokuen_instance_log_file_bytes"
    static let appRelease = "dokuen_app_release"
    static let deploys = "dokuen_deploys_total"
    static let deployDuration = "dokuen_deploy_duration_seconds"
    static let addonUp = "dokuen_addon_up"
    static let certificateExpiry = "dokuen_certificate_expiry_timestamp_seconds"
    static let backupLastSuccess = "dokuen_backup_last_success_timestamp_seconds"
    static let reconcilePasses = "dokuen_reconcile_passes_total"

    /// Hummingbird's `MetricsMiddleware` names (OpenTelemetry's, with dots) and what they are called here.
    static let renamed = [
        "http.server.request.duration": "dokuen_api_request_duration_seconds",
        "hb.requests": "dokuen_api_requests_total",
        "hb.request.errors": "dokuen_api_request_errors_total",
        "http.server.active_requests": "dokuen_api_active_requests",
    ]

    /// Hummingbird's label names and what they are called here.
    static let renamedLabels = [
        "http.route": "route", "http.request.method": "method", "http.response.status_code": "status",
        "error.type": "status",
    ]

    /// A metric's Prometheus name: one of `renamed`, else `name` with every character Prometheus refuses made `_`.
    static func prometheus(_ name: String) -> String {
        renamed[name] ?? sanitized(name, colon: true)
    }

    /// A label's Prometheus name: one of `renamedLabels`, else `name` with every character refused made `_`.
    static func prometheusLabel(_ name: String) -> String {
        renamedLabels[name] ?? sanitized(name, colon: false)
    }

    static func sanitized(_ name: String, colon: Bool) -> String {
        var result = ""
        for (offset, scalar) in name.unicodeScalars.enumerated() {
            let letter = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
            let digit = ("0"..."9").contains(scalar)
            let allowed = letter || (digit && offset > 0) || (colon && scalar == ":")
            result.unicodeScalars.append(allowed ? scalar : "_")
        }
        return result.isEmpty ? "_" : result
    }
}
