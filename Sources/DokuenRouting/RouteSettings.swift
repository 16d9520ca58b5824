/// The routing settings shared by every app (docs/DESIGN.md §3), each one validated.
public struct RouteSettings: Hashable, Sendable {
    /// Every app is reached at `<app>.<baseDomain>`.
    public var baseDomain: Hostname
    /// Plain HTTP; the server blocks listen here (on every address).
    public var listenPort: Port
    /// HTTPS, for apps with a certificate.
    public var tlsPort: Port
    public var clientMaxBodySize: BodySize
    /// Where an ACME client (certbot `--webroot`, lego, acme.sh) puts http-01 challenge files; nil serves none.
    public var acmeWebroot: ConfigPath?
    /// Whether server blocks listen on 127.0.0.1 only (a laptop's private nginx) rather than on every address.
    public var loopbackOnly = false
    /// Proxies in front of nginx whose `X-Forwarded-For` names the client (`dokuend --trusted-proxy`); from any
    /// other address the header is ignored, so access rules see the real peer. Empty: nginx trusts none.
    public var trustedProxies: [CIDR] = []

    public init(
        baseDomain: Hostname, listenPort: Port, tlsPort: Port, clientMaxBodySize: BodySize,
        acmeWebroot: ConfigPath?
    ) {
        self.baseDomain = baseDomain
        self.listenPort = listenPort
        self.tlsPort = tlsPort
        self.clientMaxBodySize = clientMaxBodySize
        self.acmeWebroot = acmeWebroot
    }

    /// The defaults: `localhost`, port 80, TLS on 443, 100m bodies, and no ACME webroot.
    public static let standard = RouteSettings(
        baseDomain: try! Hostname("localhost"), listenPort: try! Port(80), tlsPort: try! Port(443),
        clientMaxBodySize: .standard, acmeWebroot: nil)
}
