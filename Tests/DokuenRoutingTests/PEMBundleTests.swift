import Testing

@testable import DokuenRouting

/// `PEMBundle` checks the armour of what `dokuen certs add` sends before anything is written: each case is a
/// certificate text and a key text, and the verdict (the normalized result, or the one-line error).
@Suite struct PEMBundleTests {
    static let certificateBody =
        "MIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGVCb2R5MA0GCSqGSIb3DQEBCwUAMBkx\nFzAVBgNVBAMMDmJsb2cubG9jYWxob3N0"
    static let keyBody = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCO21lcNyUAYXi/"

    static func block(_ label: String, _ body: String) -> String {
        "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    static let certificate = block("CERTIFICATE", certificateBody)
    static let key = block("PRIVATE KEY", keyBody)

    static func verdict(_ certificate: String, _ key: String) -> String {
        do {
            let bundle = try PEMBundle(certificate: certificate, key: key)
            return "accepted: \(bundle.chainLength) certificate(s)"
        } catch {
            return "\(error)"
        }
    }

    @Test func aCertificateAndKeyAreAcceptedAsTheyAre() throws {
        let bundle = try PEMBundle(certificate: Self.certificate, key: Self.key)
        #expect(bundle.certificate == Self.certificate)
        #expect(bundle.key == Self.key)
        #expect(bundle.chainLength == 1)
    }

    @Test func explanatoryTextCRLFAndECParametersAreDropped() throws {
        let chain =
            "subject=CN=blog\r\nissuer=CN=ca\r\n" + Self.certificate.replacing("\n", with: "\r\n") + "\nBag text\n"
            + Self.block("CERTIFICATE", Self.keyBody)
        let key = Self.block("EC PARAMETERS", "BggqhkjOPQMBBw==") + Self.block("EC PRIVATE KEY", Self.keyBody)
        let bundle = try PEMBundle(certificate: chain, key: key)
        #expect(bundle.certificate == Self.certificate + Self.block("CERTIFICATE", Self.keyBody))
        #expect(bundle.key == Self.block("EC PRIVATE KEY", Self.keyBody))
        #expect(bundle.chainLength == 2)
    }

    @Test func everyRefusalSaysWhy() {
        let cases: [(String, String, String)] = [
            ("", Self.key, "invalid certificate: it is empty"),
            (
                "hello\n", Self.key,
                "invalid certificate: it holds no PEM block; a certificate begins with -----BEGIN CERTIFICATE-----"
            ),
            (
                "\u{30}\u{FFFD}\u{01}", Self.key,
                "invalid certificate: it is not PEM text: it contains non-ASCII U+FFFD at position 2 (a binary DER file "
                    + "converts with openssl x509 -inform der -in FILE -out FILE.pem)"
            ),
            (
                Self.certificate + "\0", Self.key,
                "invalid certificate: it is not PEM text: it contains a NUL byte at position \(Self.certificate.count + 1) "
                    + "(a binary DER file converts with openssl x509 -inform der -in FILE -out FILE.pem)"
            ),
            (
                Self.certificate + Self.key, Self.key,
                "invalid certificate: line 5 begins a PRIVATE KEY block; the key goes in its own file (KEY_FILE), "
                    + "never beside the certificate, which is readable by all"
            ),
            (
                Self.block("X509 CRL", "AAAA"), Self.key,
                "invalid certificate: line 1 begins a X509 CRL block; only CERTIFICATE blocks belong in this file"
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n", Self.key,
                "invalid certificate: the CERTIFICATE block begun on line 1 has no END line"
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n", Self.key,
                "invalid certificate: line 3 does not end the CERTIFICATE block begun on line 1"
            ),
            (
                "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", Self.key,
                "invalid certificate: the CERTIFICATE block on line 1 is empty"
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n", Self.key,
                "invalid certificate: the CERTIFICATE block on line 1 is not whole base64 (cut short?)"
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAA=A\n-----END CERTIFICATE-----\n", Self.key,
                "invalid certificate: the CERTIFICATE block on line 1 is not whole base64 (cut short?)"
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\nAA;A\n-----END CERTIFICATE-----\n", Self.key,
                "invalid certificate: line 3, in the CERTIFICATE block begun on line 1, is not base64"
            ),
            (
                "-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n", Self.key,
                "invalid certificate: line 2 begins a block inside the CERTIFICATE block begun on line 1"
            ),
            (
                "-----BEGIN certificate-----\nAAAA\n-----END certificate-----\n", Self.key,
                "invalid certificate: line 1 is not a PEM BEGIN line such as -----BEGIN CERTIFICATE-----"
            ),
            (
                String(repeating: "A", count: PEMBundle.maxBytes + 1), Self.key,
                "invalid certificate: it is 1048577 bytes long; the limit is 1048576 (1 MiB)"
            ),
            (Self.certificate, "", "invalid private key: it is empty"),
            (
                Self.certificate, Self.certificate,
                "invalid private key: line 1 begins a CERTIFICATE block; the certificate goes in CERT_FILE "
                    + "(are CERT_FILE and KEY_FILE swapped?)"
            ),
            (
                Self.certificate, Self.key + Self.key, "invalid private key: it holds 2 private keys; give exactly one"
            ),
            (
                Self.certificate, Self.block("ENCRYPTED PRIVATE KEY", Self.keyBody),
                "invalid private key: it is encrypted, and nginx cannot ask for its passphrase; decrypt it with "
                    + "openssl pkey -in KEY_FILE -out plain.key"
            ),
            (
                Self.certificate,
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\n"
                    + Self.keyBody + "\n-----END RSA PRIVATE KEY-----\n",
                "invalid private key: it is encrypted (Proc-Type: 4,ENCRYPTED), and nginx cannot ask for its "
                    + "passphrase; decrypt it with openssl pkey -in KEY_FILE -out plain.key"
            ),
            (
                Self.certificate, Self.block("OPENSSH PRIVATE KEY", Self.keyBody),
                "invalid private key: it is an OpenSSH key, not a TLS key; give the key the certificate was issued for"
            ),
            (
                Self.certificate, Self.block("EC PARAMETERS", "BggqhkjOPQMBBw=="),
                "invalid private key: it holds no private key; a key begins with -----BEGIN PRIVATE KEY----- (or RSA/EC)"
            ),
            (
                Self.certificate, Self.block("PUBLIC KEY", Self.keyBody),
                "invalid private key: line 1 begins a PUBLIC KEY block; a key file holds one PRIVATE KEY block"
            ),
        ]
        for (certificate, key, expected) in cases {
            #expect(Self.verdict(certificate, key) == expected)
        }
    }

    @Test func theSummaryOfOpenSSLOutput() {
        let output = "subject=CN=blog.localhost\nissuer=CN=Example CA,O=Example\nnotAfter=Nov  4 10:30:02 2026 GMT\n"
        let summary = CertificateSummary(opensslOutput: output)
        #expect(summary?.subject == "CN=blog.localhost")
        #expect(summary?.issuer == "CN=Example CA,O=Example")
        // date -u -d '2026-11-04 10:30:02' +%s
        #expect(summary?.notAfter == 1_793_788_202)
        #expect(CertificateSummary(opensslOutput: "subject=CN=a\nissuer=CN=a\n") == nil)
        #expect(CertificateSummary(opensslOutput: "unable to load certificate\n") == nil)
    }

    @Test func openSSLDates() {
        #expect(CertificateSummary.unixSeconds(opensslDate: "Jan  1 00:00:00 1970 GMT") == 0)
        #expect(CertificateSummary.unixSeconds(opensslDate: "Feb 29 23:59:59 2000 GMT") == 951_868_799)
        #expect(CertificateSummary.unixSeconds(opensslDate: "Dec 31 23:59:59 9999 GMT") == 253_402_300_799)
        for bad in [
            "", "Nov 24 10:30:02 2026", "Nov 24 10:30:02 2026 UTC", "Foo 24 10:30:02 2026 GMT",
            "Nov 32 10:30:02 2026 GMT", "Nov 24 24:30:02 2026 GMT", "Nov 24 10:30 2026 GMT", "2026-11-24 10:30:02Z",
        ] {
            #expect(CertificateSummary.unixSeconds(opensslDate: bad) == nil, "\(bad)")
        }
    }
}
