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

    @Test func oneOffArgumentsArePositional() {
        let argv = ProcessCommand.oneOff(["echo", "$HOME", "a b"])
        #expect(argv[2].hasSuffix("\nexec \"$@\""))
        #expect(Array(argv[3...]) == ["sh", "echo", "$HOME", "a b"])
    }
}
