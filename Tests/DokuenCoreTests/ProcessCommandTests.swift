import Testing

@testable import DokuenCore

/// Processes source the build's `.profile.d/*.sh` before their command; `run` arguments are never re-parsed.
@Suite struct ProcessCommandTests {
    @Test func procfileCommandsRunAfterTheProfileInOneShell() {
        let argv = ProcessCommand.procfile("exec web --port $PORT")
        #expect(argv.count == 3 && argv[0] == "/bin/sh" && argv[1] == "-c")
        #expect(argv[2].hasPrefix("for dokuen_profile in \"$HOME\"/.profile.d/*.sh; do "))
        #expect(argv[2].hasSuffix("\nexec web --port $PORT"))
    }

    @Test func aSimpleCommandIsExecedSoTheAppIsTheShimsChild() {
        #expect(
            ProcessCommand.procfile("gunicorn app:app --bind 127.0.0.1:$PORT")[2].hasSuffix(
                "\nexec gunicorn app:app --bind 127.0.0.1:$PORT"))
        #expect(ProcessCommand.procfile("exec web")[2].hasSuffix("\nexec web"), "never exec exec")
        #expect(ProcessCommand.procfile("sleep 1; sleep 2")[2].hasSuffix("\nsleep 1; sleep 2"))
    }

    @Test(arguments: [
        ("gunicorn app:app", true), ("python3 -m http.server $PORT", true), ("bin/web --name 'a; b'", true),
        ("node \"server.js\" --x=\"a|b\"", true), ("echo a\\;b", true), ("java -Dx=1 -jar app.jar", true),
        ("a && b", false), ("a; b", false), ("a | b", false), ("a &", false), ("(a)", false), ("a > log", false),
        ("a\nb", false), ("A=1 app", false), ("exec app", false), ("trap '' TERM", false), ("cd x", false),
        ("while true; do x; done", false), ("echo $(date)", false), ("echo `date`", false), ("echo 'open", false),
        ("", false), ("# comment", false), ("{ a; }", false), (": noop", false), ("wait", false),
    ])
    func simpleCommands(_ command: String, _ simple: Bool) {
        #expect(ProcessCommand.isSimple(command) == simple, "\(command)")
    }

    @Test func oneOffArgumentsArePositional() {
        let argv = ProcessCommand.oneOff(["echo", "$HOME", "a b"])
        #expect(argv[2].hasSuffix("\nexec \"$@\""))
        #expect(Array(argv[3...]) == ["sh", "echo", "$HOME", "a b"])
    }
}
