/// What the dashboard refuses before a state-changing request (a POST) reaches dokuend's API (docs/DASHBOARD.md,
/// "What is refused"). A pure function of the request's headers and the session, so that every case is a table row
/// in a test.
///
/// - `Sec-Fetch-Site: cross-site`: a browser says another site sent the request.
/// - an `Origin` that is not the listener's own (`SCHEME://HOST` of the request's `Host`): a form on another site.
/// - no CSRF token, or not the session's (the form's hidden `csrf` field or the `X-CSRF-Token` header).
///
/// A signed-in session is checked by the caller first (no session: 401, or the sign-in page for a GET).
struct RequestGuard {
    /// The request's `Origin` header, when it has one.
    var origin: String?
    /// `Sec-Fetch-Site`.
    var fetchSite: String?
    /// `Host`.
    var host: String?
    /// `https` when the platform's nginx says it took the request over TLS, else `http`.
    var scheme: String

    /// The one-line reason to refuse a cross-site request (403), nil when it comes from the dashboard's own pages.
    func crossSiteRefusal() -> String? {
        if fetchSite?.lowercased() == "cross-site" {
            return "refused: the browser says another site sent this request (Sec-Fetch-Site: cross-site)"
        }
        if let origin {
            guard let host, origin == scheme + "://" + host else {
                return "refused: the request comes from another origin (\(origin.prefix(200))), not this dashboard"
            }
        }
        return nil
    }

    /// The reason to refuse a state-changing request of a session whose CSRF token is `expected`, nil to go on.
    func refusal(csrfSent: String?, expected: String) -> String? {
        if let refusal = crossSiteRefusal() { return refusal }
        guard let csrfSent, ConstantTime.equal(csrfSent, expected) else {
            return "refused: the form's CSRF token is missing or stale; reload the page and try again"
        }
        return nil
    }
}
