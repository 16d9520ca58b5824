import Testing

@testable import DokuenCore

/// `dokuen ps set` and app.json's `dokuen` section: every key, its range, its canonical text and its errors.
@Suite struct ProcessSettingsTests {
    @Test func everyKeyHasTheShimsDefaultUntilSet() {
        let settings = ProcessSettings()
        #expect(settings.explicitKeys.isEmpty && settings.explicitValues.isEmpty)
        #expect(
            ProcessSettings.Key.allCases.map { "\($0)=\(settings.value($0))" } == [
                "stop_signal=TERM", "stop_timeout=30", "restart=always", "startsecs=1", "readiness=startsecs",
                "start_timeout=60",
            ])
        #expect(settings.stopSignal == 15 && settings.stopTimeout == 30 && settings.startTimeout == 60)
    }

    @Test(arguments: [
        ("stop_signal=TERM", "TERM"), ("stop_signal=INT", "INT"), ("stop_signal=SIGQUIT", "QUIT"),
        ("stop_signal=hup", "HUP"), ("stop_signal=sigusr1", "USR1"), ("stop_signal=USR2", "USR2"),
        ("stop_signal=KILL", "KILL"), ("stop_signal=WINCH", "WINCH"), ("stop_signal=2", "INT"),
        ("stop_signal=34", "34"), ("stop_signal=64", "64"), ("stop_signal=1", "HUP"),
        ("stop_timeout=0", "0"), ("stop_timeout=2", "2"), ("stop_timeout=86400", "86400"), ("stop_timeout=007", "7"),
        ("restart=always", "always"), ("restart=on-failure", "on-failure"), ("restart=never", "never"),
        ("startsecs=0", "0"), ("startsecs=10", "10"), ("startsecs=86400", "86400"),
        ("readiness=startsecs", "startsecs"), ("readiness=port", "port"), ("readiness=notify", "notify"),
        ("start_timeout=1", "1"), ("start_timeout=86400", "86400"),
    ])
    func acceptsAndCanonicalizes(_ text: String, _ canonical: String) throws {
        let (key, value) = try ProcessSettings.assignment(text)
        var settings = ProcessSettings()
        try settings.set(key, to: try #require(value))
        #expect(settings.value(key) == canonical)
        #expect(settings.explicitKeys == [key])
        #expect(settings.explicitValues == [key.rawValue: canonical])
    }

    @Test func typedValuesFollowTheText() throws {
        let settings = try ProcessSettings(values: [
            "stop_signal": "INT", "stop_timeout": "2", "restart": "on-failure", "startsecs": "5",
            "readiness": "port", "start_timeout": "9",
        ])
        #expect(settings.stopSignal == 2 && settings.stopTimeout == 2 && settings.restart == .onFailure)
        #expect(settings.startsecs == 5 && settings.readiness == .port && settings.startTimeout == 9)
        #expect(settings.explicitKeys == Set(ProcessSettings.Key.allCases))
    }

    @Test(arguments: [
        (
            "stop_timeout=abc",
            "invalid setting \"stop_timeout=abc\": stop_timeout takes whole seconds from 0 to 86400"
        ),
        ("stop_timeout=86401", "invalid setting \"stop_timeout=86401\": stop_timeout takes whole seconds"),
        ("stop_timeout=-1", "stop_timeout takes whole seconds from 0 to 86400"),
        ("stop_timeout=1.5", "stop_timeout takes whole seconds"),
        ("stop_timeout= 2", "stop_timeout takes whole seconds"),
        ("stop_timeout=2s", "stop_timeout takes whole seconds"),
        ("stop_timeout=+2", "stop_timeout takes whole seconds"),
        ("stop_timeout=99999999999999999999", "stop_timeout takes whole seconds"),
        ("startsecs=86401", "startsecs takes whole seconds from 0 to 86400"),
        ("start_timeout=0", "invalid setting \"start_timeout=0\": start_timeout takes whole seconds from 1 to 86400"),
        (
            "stop_signal=BOGUS",
            "invalid setting \"stop_signal=BOGUS\": stop_signal takes a signal name (TERM, INT, QUIT, HUP, USR1, "
                + "USR2, KILL, WINCH, CONT) or a number from 1 to 64"
        ),
        ("stop_signal=0", "stop_signal takes a signal name"),
        ("stop_signal=65", "stop_signal takes a signal name"),
        ("stop_signal=SIG", "stop_signal takes a signal name"),
        ("stop_signal=TERM ", "stop_signal takes a signal name"),
        ("stop_signal=tèrm", "stop_signal takes a signal name"),
        (
            "restart=sometimes",
            "invalid setting \"restart=sometimes\": restart takes always, on-failure, never"
        ),
        ("restart=Always", "restart takes always, on-failure, never"),
        ("readiness=http", "invalid setting \"readiness=http\": readiness takes startsecs, port, notify"),
        (
            "stop_timout=2",
            "invalid setting \"stop_timout=2\": unknown key \"stop_timout\"; the keys are stop_signal, "
                + "stop_timeout, restart, startsecs, readiness, start_timeout"
        ),
        ("STOP_TIMEOUT=2", "unknown key \"STOP_TIMEOUT\""),
        ("=2", "unknown key \"\""),
        ("stop_timeout", "invalid setting \"stop_timeout\": expected KEY=VALUE, e.g. stop_timeout=10"),
        ("restart=never\n", "invalid setting \"restart=never\\n\": restart takes"),
    ])
    func rejectsWithOneLineNamingTheKeyAndTheAllowedValues(_ text: String, _ message: String) {
        #expect {
            _ = try ProcessSettings.assignment(text)
        } throws: { error in
            let description = (error as? CoreError)?.description ?? ""
            return description.hasPrefix("invalid setting \"") && description.contains(message)
                && !description.contains("\n")
        }
    }

    @Test func anEmptyValueUnsetsTheKey() throws {
        let (key, value) = try ProcessSettings.assignment("stop_timeout=")
        #expect(key == .stopTimeout && value == nil)
        var settings = try ProcessSettings(values: ["stop_timeout": "5", "restart": "never"])
        settings.unset(key)
        #expect(settings.stopTimeout == 30 && settings.explicitValues == ["restart": "never"])
        settings.unset(.restart)
        #expect(settings == ProcessSettings())
    }

    @Test func storedValuesAreCheckedToo() {
        #expect(throws: CoreError.self) { try ProcessSettings(values: ["stop_timeout": "soon"]) }
        #expect(throws: CoreError.self) { try ProcessSettings(values: ["nope": "1"]) }
    }

    @Test func keysHaveHelpAndSortInDeclarationOrder() {
        #expect(ProcessSettings.Key.allCases.sorted() == ProcessSettings.Key.allCases)
        #expect(ProcessSettings.Key.restart < .readiness)
        for key in ProcessSettings.Key.allCases {
            #expect(!key.summary.isEmpty && !key.allowed.isEmpty)
            #expect(ProcessSettings.defaultValue(key) == ProcessSettings().value(key))
        }
    }
}
