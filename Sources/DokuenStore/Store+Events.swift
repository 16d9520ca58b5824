import DokuenCore

extension Store {
    /// The newest `limit` events, newest first; only those of `app` when it is given (including events from
    /// before it was last destroyed and re-created: the log keys on names).
    public func events(app: AppName? = nil, limit: Int = 100) throws(StoreError) -> [EventRecord] {
        let columns = "SELECT id, at, actor, app, action, detail FROM events"
        let rows =
            if let app {
                try database.query(
                    "\(columns) WHERE app = ? ORDER BY id DESC LIMIT ?", [.text(app.rawValue), .int(limit)])
            } else {
                try database.query("\(columns) ORDER BY id DESC LIMIT ?", [.int(limit)])
            }
        return try rows.map { (row) throws(StoreError) in try EventRecord(row: row) }
    }
}
