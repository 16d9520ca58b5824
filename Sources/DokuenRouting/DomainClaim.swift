public import DokuenCore

/// Whether a custom domain may be routed to an app: one host name answers for one thing only, so nginx never holds
/// two server blocks for the same name (it would warn, then serve whichever it read first) and no app can take
/// traffic meant for another.
///
/// Refused, in this order:
/// - the base domain itself (`localhost`): every app's own name is under it, and it is no app's;
/// - the app's own name (`blog.localhost` for `blog`): it has it already;
/// - another app's own name (`other.localhost`), whether or not that app holds it as a domain;
/// - a name another app (or anything else routed, `holders`) already holds.
public enum DomainClaim {
    /// Why `hostname` cannot become a domain of `app`, or nil when it can. `apps` are the apps that exist;
    /// `holders` maps each routed custom domain to who holds it, as a person reads it (`app blog`).
    public static func refusal(
        of hostname: Hostname, for app: AppName, base: Hostname, apps: [AppName], holders: [Hostname: String]
    ) -> String? {
        if hostname == base { return "it is the base domain; every app is reached under it, at APP.\(base)" }
        if let own = try? Hostname(app: app, base: base), own == hostname {
            return "it is \(app)'s own host name; every app answers at APP.\(base) already"
        }
        for other in apps where other != app {
            if let theirs = try? Hostname(app: other, base: base), theirs == hostname {
                return "it is the host name of app \(other)"
            }
        }
        if let holder = holders[hostname] { return "it is already routed to \(holder)" }
        return nil
    }

    /// Why an app called `app` cannot be created while `holders` route custom domains, or nil: its own name
    /// (`app.<base>`) must not be someone else's domain.
    public static func refusal(ofAppNamed app: AppName, base: Hostname, holders: [Hostname: String]) -> String? {
        guard let own = try? Hostname(app: app, base: base), let holder = holders[own] else { return nil }
        return "its host name \(own) is already routed to \(holder)"
    }

    /// Why a proxy cannot answer at `hostname`, or nil: the base domain, an app's own name, and a name held by an
    /// app or another proxy are refused.
    public static func refusal(
        ofProxyHost hostname: Hostname, base: Hostname, apps: [AppName], holders: [Hostname: String]
    )
        -> String?
    {
        if hostname == base { return "it is the base domain; every app is reached under it, at APP.\(base)" }
        for app in apps {
            if let theirs = try? Hostname(app: app, base: base), theirs == hostname {
                return "it is the host name of app \(app)"
            }
        }
        if let holder = holders[hostname] { return "it is already routed to \(holder)" }
        return nil
    }
}
