/// When dokuend writes a `log.dropped` event: once per episode of a shim dropping log output, not once per status
/// change (a shim on a full disk reports a growing `dropped_bytes` on every read of its pipe). An episode starts
/// with the first record that says `log_dropping=1` for a service directory and ends with the first that says 0:
/// the shim wrote its marker line, so writing works again (docs/SHIM.md, Logs). A shim older than `log_dropping`
/// never says 1, and its drops show in `status` only.
struct LogDropEpisodes: Sendable {
    /// The service directories whose shims are dropping now.
    private var dropping: Set<String> = []

    /// Whether a record just reported by the shim of `directory`, whose `log_dropping` is `dropping`, starts an
    /// episode.
    mutating func startsEpisode(directory: String, dropping logDropping: Bool) -> Bool {
        guard logDropping else {
            dropping.remove(directory)
            return false
        }
        return dropping.insert(directory).inserted
    }

    /// Forgets `directory`, whose shim is gone: a new shim starts with nothing dropped.
    mutating func forget(directory: String) { dropping.remove(directory) }
}
