import DokuenRouting
import Testing

/// The ACME settings' input (docs/CERTS.md): e-mail addresses, directory URLs and the renewal plan. Every refusal is
/// one line that names the option and the reason, before anything reaches lego, nginx or a shell.
@Suite struct AcmeInputTests {
    @Test(arguments: ["admin@example.com", "a.b+c@mail.example.org", "ME@Example.COM"])
    func goodEmailsAreTaken(_ text: String) throws {
        #expect(try AcmeEmail(text).rawValue.contains("@"))
    }

    @Test(
        arguments: [
            ("", "it takes one @"),
            ("admin", "it takes one @"),
            ("a@b@example.com", "it takes one @"),
            ("@example.com", "the part before @ takes 1 to 64 characters"),
            ("a b@example.com", "it contains a space"),
            ("a\"b@example.com", "it contains"),
            ("a\nb@example.com", "it contains"),
            ("a;rm -rf@example.com", "it contains"),
            ("-x@example.com", "it begins with '-'"),
            ("admin@localhost", "its domain has no dot"),
            ("admin@exa mple.com", "its domain: invalid hostname"),
            ("admin@example.com\n", "its domain: invalid hostname"),
        ])
    func badEmailsAreRefused(_ text: String, _ reason: String) {
        #expect(throws: AcmeRefusal.self) { try AcmeEmail(text) }
        do { _ = try AcmeEmail(text) } catch {
            #expect(error.description.hasPrefix("invalid --acme-email "), "\(error)")
            #expect(error.description.contains(reason), "\(error)")
            #expect(!error.description.contains("\n"), "one line: \(error)")
        }
    }

    @Test(
        arguments: [
            AcmeDirectory.letsEncrypt, "https://acme-staging-v02.api.letsencrypt.org/directory",
            "https://ca.example.com:8443/acme/directory", "http://127.0.0.1:14000/dir", "http://localhost:4001/dir",
            "https://127.0.0.1:14000/dir",
        ])
    func goodDirectoriesAreTaken(_ text: String) throws {
        #expect(try AcmeDirectory(text).rawValue == text)
    }

    @Test(
        arguments: [
            ("ftp://ca.example.com/dir", "it takes an https:// URL"),
            ("acme-v02.api.letsencrypt.org/directory", "it takes an https:// URL"),
            ("http://ca.example.com/dir", "plain http:// is for a CA on this machine's loopback only"),
            ("https:///dir", "it has no host"),
            ("https://user:pw@ca.example.com/dir", "it has user information"),
            ("https://ca.example.com/dir?x=1", "no query or fragment"),
            ("https://ca.example.com/dir#x", "no query or fragment"),
            ("https://ca.example.com/di r", "its path contains a space"),
            ("https://ca.example.com/dir\"", "its path contains"),
            ("https://ca.example.com:0/dir", "its port \"0\" is not a number"),
            ("https://ca.example.com:99999/dir", "is not a number from 1 to 65535"),
            ("https://ca;example.com/dir", "its host: invalid hostname"),
        ])
    func badDirectoriesAreRefused(_ text: String, _ reason: String) {
        do {
            _ = try AcmeDirectory(text)
            Issue.record("\(text) was taken")
        } catch {
            #expect(error.description.hasPrefix("invalid --acme-directory "), "\(error)")
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func backoffDoublesFromOneMinuteToSixHours() {
        #expect(RenewalPlan.backoff(failures: 0) == 0)
        #expect(RenewalPlan.backoff(failures: 1) == 60)
        #expect(RenewalPlan.backoff(failures: 2) == 120)
        #expect(RenewalPlan.backoff(failures: 3) == 240)
        #expect(RenewalPlan.backoff(failures: 9) == 15_360)
        #expect(RenewalPlan.backoff(failures: 10) == 21_600, "capped at six hours")
        #expect(RenewalPlan.backoff(failures: 1000) == 21_600, "no overflow")
    }

    @Test func renewalIsDueThirtyDaysBeforeExpiry() {
        let day: Int64 = 86_400
        let notAfter: Int64 = 1_000 * day
        #expect(RenewalPlan.nextAttempt(notAfter: nil, failures: 0, lastAttempt: nil) == 0, "none yet: at once")
        #expect(RenewalPlan.nextAttempt(notAfter: notAfter, failures: 0, lastAttempt: 900 * day) == 970 * day)
        // A failure while due: the backoff from the failed attempt.
        let failed = 975 * day
        #expect(RenewalPlan.nextAttempt(notAfter: notAfter, failures: 1, lastAttempt: failed) == failed + 60)
        #expect(RenewalPlan.nextAttempt(notAfter: notAfter, failures: 4, lastAttempt: failed) == failed + 480)
        // A forced renewal that failed long before the due date does not make the next try earlier than it.
        #expect(RenewalPlan.nextAttempt(notAfter: notAfter, failures: 1, lastAttempt: 100 * day) == 970 * day)
        // No certificate and failing: the backoff alone.
        #expect(RenewalPlan.nextAttempt(notAfter: nil, failures: 2, lastAttempt: 500) == 620)
    }

    @Test func statusWarnsOnFailuresAndTwoWeeksBeforeExpiry() {
        let now: Int64 = 1_000_000
        #expect(!RenewalPlan.needsWarning(notAfter: now + 15 * 86_400, failures: 0, now: now))
        #expect(RenewalPlan.needsWarning(notAfter: now + 13 * 86_400, failures: 0, now: now))
        #expect(RenewalPlan.needsWarning(notAfter: now + 80 * 86_400, failures: 1, now: now))
        #expect(!RenewalPlan.needsWarning(notAfter: nil, failures: 0, now: now))
    }
}
