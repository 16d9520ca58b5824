import DokuenCore

/// A row of `events`, the append-only audit log (docs/DESIGN.md invariant 6): who did what, to which app, when.
///
/// Actions are `<noun>.<verb>`: `app.create`, `app.destroy`, `build.create`, `build.delete`, `release.create`,
/// `formation.scale`, `formation.stop`, `formation.start`, `port.lease`, `port.release`, `domain.add`,
/// `domain.remove`, `deploy.start`, `deploy.succeed`, `deploy.fail`, `settings.change`, `checks.change`,
/// `checks.enable`, `checks.disable`; and from the daemon with `Store.appendEvent`: `config.change` and
/// `config.revert` (keys only), `certs.add` and `certs.remove` (subject and issuer, never the key), `instance.exit`
/// (from a shim's report), `dashboard.rotate` (a dashboard token replaced), `log.dropped` (a shim began dropping log
/// output: its disk is full) and `shim.lost` (a shim found dead); `notify.add` and `notify.remove` (an alert channel,
/// docs/ALERTS.md). A detail names objects and never holds an env value.
public struct EventRecord: Equatable, Sendable {
    /// Increasing with time: ids are never reused.
    public let id: Int64
    /// Unix seconds.
    public let at: Int64
    /// Who: a gitolite user, an ssh key name, a unix user, or `dokuend` for the daemon's own doing.
    public let actor: String
    /// The app's name, kept after the app is destroyed; nil for events about no single app.
    public let app: AppName?
    public let action: String
    public let detail: String

    public init(id: Int64, at: Int64, actor: String, app: AppName?, action: String, detail: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.app = app
        self.action = action
        self.detail = detail
    }

    init(row: Row) throws(StoreError) {
        self.init(
            id: try row.int64("id"), at: try row.int64("at"), actor: try row.text("actor"),
            app: try row.optionalAppName("app"), action: try row.text("action"), detail: try row.text("detail"))
    }
}
