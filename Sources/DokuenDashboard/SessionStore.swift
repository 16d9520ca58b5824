import DokuenCore

/// The dashboard's sessions, in memory only: a restart of dokuend signs everyone out (docs/DASHBOARD.md). A session
/// has a random id (the `dokuen_session` cookie), its own CSRF token, and the sign-in token it was opened with: when
/// `dokuen dashboard token --rotate` replaces that token, the session ends at its next request. One idle for longer
/// than `idleSeconds` ends too.
actor SessionStore {
    struct Session: Sendable {
        let id: String
        let csrf: String
        /// The sign-in token when the session began.
        let token: String
        var lastSeen: Int64
    }

    private var sessions: [String: Session] = [:]
    let idleSeconds: Int64

    init(idleSeconds: Int64 = 12 * 3600) { self.idleSeconds = idleSeconds }

    /// A new session signed in with `token`.
    func open(token: String, now: Int64) -> Session {
        // Expired sessions go when a new one comes, so that the table never grows with abandoned ones.
        sessions = sessions.filter { now - $0.value.lastSeen <= idleSeconds }
        let session = Session(id: Self.random(), csrf: Self.random(), token: token, lastSeen: now)
        sessions[session.id] = session
        return session
    }

    /// The live session with this id, its idle time restarted; nil when there is none, or it was idle too long, or
    /// the sign-in token changed since it began (then it ends).
    func find(_ id: String, currentToken: String, now: Int64) -> Session? {
        guard var session = sessions[id] else { return nil }
        guard now - session.lastSeen <= idleSeconds, ConstantTime.equal(session.token, currentToken) else {
            sessions[id] = nil
            return nil
        }
        session.lastSeen = now
        sessions[id] = session
        return session
    }

    func close(_ id: String) { sessions[id] = nil }

    var count: Int { sessions.count }

    /// 32 random bytes as 64 hex digits.
    static func random() -> String { RandomHex.digits(bytes: 32) }
}
