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
                "start_timeout=60", "nice=0", "nofile=inherit", "nproc=inherit", "core=inherit", "memory=inherit",
                "pids=inherit", "log_max_bytes=10M", "log_backups=5",
            ])
        #expect(settings.stopSignal == 15 && settings.stopTimeout == 30 && settings.startTimeout == 60)
        #expect(settings.nice == 0, "0, not the daemon's niceness")
        #expect(settings.nofile == nil && settings.nproc == nil && settings.core == nil, "rlimits are inherited")
        #expect(settings.memory == nil && settings.pids == nil)
        #expect(settings.logMaxBytes == 10 << 20 && settings.logBackups == 5, "dokuen-shim's own defaults")
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
        ("nice=0", "0"), ("nice=-20", "-20"), ("nice=19", "19"), ("nice=5", "5"), ("nice=-0", "0"), ("nice=07", "7"),
        ("nofile=0", "0"), ("nofile=1024", "1024"), ("nofile=unlimited", "unlimited"),
        ("nofile=9223372036854775807", "9223372036854775807"), ("nproc=64", "64"), ("nproc=unlimited", "unlimited"),
        ("core=0", "0"), ("core=unlimited", "unlimited"), ("core=0001", "1"),
        ("memory=1", "1"), ("memory=1000", "1000"), ("memory=1024", "1K"), ("memory=512M", "512M"),
        ("memory=1024M", "1G"), ("memory=1536M", "1536M"), ("memory=2G", "2G"), ("memory=536870912", "512M"),
        ("memory=8589934591G", "8589934591G"), ("pids=1", "1"), ("pids=100", "100"), ("pids=4194304", "4194304"),
        ("log_max_bytes=0", "0"), ("log_max_bytes=1", "1"), ("log_max_bytes=512K", "512K"),
        ("log_max_bytes=1048576", "1M"), ("log_max_bytes=1024G", "1024G"), ("log_backups=0", "0"),
        ("log_backups=1000", "1000"), ("log_backups=07", "7"),
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
            "readiness": "port", "start_timeout": "9", "nice": "-5", "nofile": "4096", "nproc": "unlimited",
            "core": "0", "memory": "256M", "pids": "50", "log_max_bytes": "1M", "log_backups": "2",
        ])
        #expect(settings.stopSignal == 2 && settings.stopTimeout == 2 && settings.restart == .onFailure)
        #expect(settings.startsecs == 5 && settings.readiness == .port && settings.startTimeout == 9)
        #expect(settings.nice == -5 && settings.nofile == .at(4096) && settings.nproc == .unlimited)
        #expect(settings.core == .at(0) && settings.memory == 256 << 20 && settings.pids == 50)
        #expect(settings.logMaxBytes == 1 << 20 && settings.logBackups == 2)
        #expect(settings.explicitKeys == Set(ProcessSettings.Key.allCases))
    }

    @Test(arguments: [
        (
            "log_max_bytes=1025G",
            "invalid setting \"log_max_bytes=1025G\": log_max_bytes takes bytes from 0 (never rotate) to 1024G"
        ),
        ("log_max_bytes=-1", "log_max_bytes takes bytes from 0"), ("log_max_bytes=1T", "log_max_bytes takes bytes"),
        ("log_backups=1001", "invalid setting \"log_backups=1001\": log_backups takes a whole number from 0 to 1000"),
        ("log_backups=x", "log_backups takes a whole number from 0 to 1000"),
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
        ("nice=-21", "invalid setting \"nice=-21\": nice takes a whole number from -20 (first served) to 19 (last)"),
        ("nice=20", "nice takes a whole number from -20"),
        ("nice=+1", "nice takes a whole number from -20"),
        ("nice=--1", "nice takes a whole number from -20"),
        ("nice=-", "nice takes a whole number from -20"),
        ("nice=1.5", "nice takes a whole number from -20"),
        ("nofile=-1", "invalid setting \"nofile=-1\": nofile takes a whole number (0 or more) or unlimited"),
        ("nofile=9223372036854775808", "nofile takes a whole number (0 or more) or unlimited"),
        ("nofile=inherit", "nofile takes a whole number (0 or more) or unlimited"),
        ("nproc=Unlimited", "nproc takes a whole number (0 or more) or unlimited"),
        ("nproc=infinity", "nproc takes a whole number (0 or more) or unlimited"),
        ("core=1K", "core takes a whole number (0 or more) or unlimited"),
        (
            "memory=0",
            "invalid setting \"memory=0\": memory takes bytes, a whole number from 1 with an optional K, M or G "
                + "suffix (1024-based)"
        ),
        ("memory=512m", "memory takes bytes"),
        ("memory=512MB", "memory takes bytes"),
        ("memory=1T", "memory takes bytes"),
        ("memory=M", "memory takes bytes"),
        ("memory=-1G", "memory takes bytes"),
        ("memory=unlimited", "memory takes bytes"),
        ("memory=8589934592G", "memory takes bytes"),
        ("pids=0", "invalid setting \"pids=0\": pids takes a whole number from 1 to 4194304"),
        ("pids=4194305", "pids takes a whole number from 1 to 4194304"),
        ("pids=unlimited", "pids takes a whole number from 1 to 4194304"),
        (
            "stop_timout=2",
            "invalid setting \"stop_timout=2\": unknown key \"stop_timout\"; the keys are stop_signal, "
                + "stop_timeout, restart, startsecs, readiness, start_timeout, nice, nofile, nproc, core, memory, pids"
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

    @Test func limitsUnsetBackToInheritAndRoundTripThroughTheirText() throws {
        var settings = try ProcessSettings(values: [
            "nice": "10", "nofile": "65536", "nproc": "unlimited", "core": "0", "memory": "1536M", "pids": "200",
        ])
        #expect(try ProcessSettings(values: settings.explicitValues) == settings, "what the store keeps reads back")
        for key in [ProcessSettings.Key.nofile, .nproc, .core, .memory, .pids] {
            settings.unset(key)
            #expect(settings.value(key) == "inherit")
        }
        settings.unset(.nice)
        #expect(settings == ProcessSettings())
    }

    @Test func onlyMemoryAndPidsNeedACgroup() {
        #expect(ProcessSettings.Key.allCases.filter(\.needsCgroup) == [.memory, .pids])
        #expect(ProcessSettings.Key.memory.summary.contains("needs a cgroup v2 per instance"))
        #expect(ProcessSettings.Key.pids.summary.contains("so ps set refuses it"))
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
