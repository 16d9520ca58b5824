import DokuenSupervision
import Testing

/// The `status` file's text format: exact encoding, round trips, tolerance of unknown keys, and files written by
/// older shims, which must stay readable for as long as such a shim may still be running.
@Suite struct StatusRecordTests {
    /// A record with every field set.
    static let full: StatusRecord = {
        var record = StatusRecord()
        record.state = .backoff
        record.wantUp = true
        record.shimPID = 812
        record.pid = 4242
        record.pgid = 4242
        record.sinceMilliseconds = 1_795_412_173_123
        record.restarts = 17
        record.lastExit = .signal(9)
        record.ready = true
        record.droppedBytes = 65_536
        record.nextTryMilliseconds = 1_795_412_177_123
        record.error = "exec: no such file or directory"
        record.command = "bundle exec puma -C config/puma.rb"
        record.bootID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
        record.logDropping = true
        return record
    }()

    @Test func version() {
        #expect(StatusRecord.version == 1)
    }

    @Test func encodesDefaults() {
        #expect(
            StatusRecord().encoded() == """
                dokuen-shim-status 1
                state=STOPPED
                want=down
                shim_pid=0
                pid=0
                pgid=0
                since_ms=0
                restarts=0
                exit=none
                ready=0
                dropped_bytes=0
                next_try_ms=0
                error=
                command=
                boot_id=
                log_dropping=0

                """)
    }

    @Test func encodesEveryField() {
        #expect(
            Self.full.encoded() == """
                dokuen-shim-status 1
                state=BACKOFF
                want=up
                shim_pid=812
                pid=4242
                pgid=4242
                since_ms=1795412173123
                restarts=17
                exit=signal 9
                ready=1
                dropped_bytes=65536
                next_try_ms=1795412177123
                error=exec: no such file or directory
                command=bundle exec puma -C config/puma.rb
                boot_id=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
                log_dropping=1

                """)
    }

    /// Backslashes and newlines are escaped so that every value stays on its line.
    @Test func escapesBackslashAndNewline() {
        var record = StatusRecord()
        record.error = "line one\nline two"
        record.command = #"printf 'a\nb' C:\dir\"#
        let lines = record.encoded().split(separator: "\n").map(String.init)
        #expect(lines.count == 16)
        #expect(lines[12] == #"error=line one\nline two"#)
        #expect(lines[13] == #"command=printf 'a\\nb' C:\\dir\\"#)
    }

    static let awkwardTexts = [
        "", "a\nb", "\n", "\n\n", "a\\b", "\\", "\\\\", "\\n", "a\\\nb", "ends with backslash\\", "\nstarts",
        "key=value=more", "error=fake\ncommand=fake", "tab\there", "unicode: café 日本 🚀", "  spaces  ",
        "dokuen-shim-status 2", "a\0b",
    ]

    @Test(arguments: awkwardTexts)
    func roundTripsErrorAndCommand(text: String) {
        var record = Self.full
        record.error = text
        record.command = text + " --flag"
        #expect(StatusRecord(decoding: record.encoded()) == record)
    }

    static let states: [ShimState] = [.stopped, .starting, .running, .backoff, .stopping, .exited, .fatal]

    /// The full record in every state, with every kind of exit.
    static let variants: [StatusRecord] = states.flatMap { state in
        [nil, ProcessExit.code(0), .code(137), .signal(15)].map { exit in
            var record = full
            record.state = state
            record.lastExit = exit
            record.wantUp = state != .stopped
            record.ready = state == .running
            return record
        }
    }

    @Test(arguments: [StatusRecord()] + variants)
    func roundTrips(record: StatusRecord) {
        #expect(StatusRecord(decoding: record.encoded()) == record)
    }

    /// Keys this build does not know, from a newer revision of version 1, are skipped wherever they are.
    @Test func ignoresUnknownKeys() {
        let text = """
            dokuen-shim-status 1
            cgroup=/dokuen.slice/blog-web-1
            state=RUNNING
            want=up
            memory_peak_bytes=123456
            pid=77
            pgid=77
            x=
            ready=1
            command=./server

            """
        var expected = StatusRecord()
        expected.state = .running
        expected.wantUp = true
        expected.pid = 77
        expected.pgid = 77
        expected.ready = true
        expected.command = "./server"
        #expect(StatusRecord(decoding: text) == expected)
    }

    /// Missing keys take their defaults, so a header alone is a valid (empty) record.
    @Test func missingKeysTakeDefaults() {
        #expect(StatusRecord(decoding: "dokuen-shim-status 1\n") == StatusRecord())
        #expect(StatusRecord(decoding: "dokuen-shim-status 1") == StatusRecord())
    }

    /// A file from a newer format version, or anything that is not a status file, is not read.
    @Test(arguments: [
        "",
        "\n",
        "garbage",
        "{\"state\":\"RUNNING\"}",
        "dokuen-shim-status 2\nstate=RUNNING\n",
        "dokuen-shim-status 99\n",
        "dokuen-shim-status 0\nstate=RUNNING\n",
        "dokuen-shim-status -1\n",
        "dokuen-shim-status\nstate=RUNNING\n",
        "dokuen-shim-status one\n",
        "dokuen-shim-status 1 extra\n",
        "dokuen-shim-statuz 1\n",
        "state=RUNNING\ndokuen-shim-status 1\n",
        "dokuen-shim-status 1\nstate=RUNNNING\n",
        "dokuen-shim-status 1\nstate=running\n",
        "dokuen-shim-status 1\nstate=RUNNING\nno equals sign here\n",
    ])
    func rejects(text: String) {
        #expect(StatusRecord(decoding: text) == nil)
    }

    /// A status file exactly as a version-1 shim writes it. Never edit this text: shims that wrote it may still be
    /// running when a later dokuend reads their directories. If the format changes, add a fixture for the new
    /// version and keep this one passing.
    static let versionOneFile = """
        dokuen-shim-status 1
        state=RUNNING
        want=up
        shim_pid=3101
        pid=3107
        pgid=3107
        since_ms=1795412173123
        restarts=2
        exit=code 1
        ready=1
        dropped_bytes=0
        next_try_ms=0
        error=
        command=/srv/dokuen/apps/blog/releases/v12/bin/web --port 5000 --banner 'a\\nb' C:\\\\x

        """

    @Test func readsAVersionOneFile() {
        var expected = StatusRecord()
        expected.state = .running
        expected.wantUp = true
        expected.shimPID = 3101
        expected.pid = 3107
        expected.pgid = 3107
        expected.sinceMilliseconds = 1_795_412_173_123
        expected.restarts = 2
        expected.lastExit = .code(1)
        expected.ready = true
        expected.command = "/srv/dokuen/apps/blog/releases/v12/bin/web --port 5000 --banner 'a\nb' C:\\x"
        #expect(StatusRecord(decoding: Self.versionOneFile) == expected)
        // Written today, the same record also carries keys added since (boot_id), and reads back the same.
        #expect(expected.encoded().hasPrefix(String(Self.versionOneFile.dropLast())))
        #expect(StatusRecord(decoding: expected.encoded()) == expected)
    }

    /// A FATAL record as a version-1 shim writes it, with an error and a pending retry.
    @Test func readsAVersionOneFatalFile() {
        let text = """
            dokuen-shim-status 1
            state=FATAL
            want=up
            shim_pid=3101
            pid=0
            pgid=0
            since_ms=1795412100000
            restarts=9
            exit=signal 11
            ready=0
            dropped_bytes=4096
            next_try_ms=1795412400000
            error=exec /srv/app/bin/web: no such file or directory
            command=bin/web

            """
        var expected = StatusRecord()
        expected.state = .fatal
        expected.wantUp = true
        expected.shimPID = 3101
        expected.sinceMilliseconds = 1_795_412_100_000
        expected.restarts = 9
        expected.lastExit = .signal(11)
        expected.droppedBytes = 4096
        expected.nextTryMilliseconds = 1_795_412_400_000
        expected.error = "exec /srv/app/bin/web: no such file or directory"
        expected.command = "bin/web"
        #expect(StatusRecord(decoding: text) == expected)
    }
}
