import DokuenDaemon
import Testing

/// dokuend's numeric options: the bounds of each, and the one line that refuses a value outside them.
struct NumericOptionTests {
    @Test(
        arguments: [
            (NumericOption.httpPort, 1, nil), (.httpPort, 65_535, nil),
            (.httpPort, 0, "invalid --http-port \"0\": it takes a port from 1 to 65535"),
            (.httpsPort, 65_536, "invalid --https-port \"65536\": it takes a port from 1 to 65535"),
            (.keepReleases, 2, nil),
            (.keepReleases, 1, "invalid --keep-releases \"1\": it takes a number of releases from 2 to 1000"),
            (.buildTimeout, 86_400, nil),
            (.buildTimeout, 0, "invalid --build-timeout \"0\": it takes whole seconds from 1 to 86400"),
            (.drainMilliseconds, 0, nil),
            (.drainMilliseconds, -1, "invalid --drain-milliseconds \"-1\": it takes milliseconds from 0 to 600000"),
            (.bootTimeout, 3600, nil),
            (.bootTimeout, 3601, "invalid --boot-timeout \"3601\": it takes whole seconds from 1 to 3600"),
        ] as [(NumericOption, Int, String?)])
    func refusesWhatIsOutOfRange(_ option: NumericOption, _ value: Int, _ refusal: String?) {
        #expect(option.refusal(value) == refusal)
    }

    @Test(
        arguments: [
            ("5000-5999", 5000...5999), ("1-65535", 1...65_535), ("80-80", 80...80), ("0-10", nil), ("6000-5000", nil),
            ("5000-65536", nil), ("5000", nil), ("-5000", nil), ("a-b", nil), ("5000-", nil),
            ("000000000001-2", nil),
        ] as [(String, ClosedRange<Int>?)])
    func readsAPortRange(_ text: String, _ range: ClosedRange<Int>?) {
        switch NumericOption.portRange(text) {
        case .success(let read): #expect(read == range)
        case .failure(let refusal):
            #expect(range == nil)
            #expect(refusal.description.hasPrefix("invalid --ports \"\(text)\": it takes LOW-HIGH"))
        }
    }
}
