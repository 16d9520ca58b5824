import DokuenSupervision
import Testing

/// The control FIFO's one-line commands.
@Suite struct ControlCommandTests {
    @Test(arguments: [
        ("u", ControlCommand.up),
        ("d", .down),
        ("r", .restart),
        ("x", .exit),
        ("h", .signal(1)),
        ("t", .signal(15)),
        ("k", .signal(9)),
        ("s1", .signal(1)),
        ("s9", .signal(9)),
        ("s15", .signal(15)),
        ("s18", .signal(18)),
        ("s64", .signal(64)),
    ])
    func parses(line: String, command: ControlCommand) {
        #expect(ControlCommand(line: line) == command)
    }

    /// Lines arrive without their newline; anything else is not a command.
    @Test(arguments: [
        "", "z", "uu", "U", "D", " u", "u ", "u\n", "up", "s", "s0", "s65", "s-1", "s-15", "s1.5", "s 9", "sTERM",
        "sx", "S9", "9", "x1", "hh", "s99999999999",
    ])
    func rejects(line: String) {
        #expect(ControlCommand(line: line) == nil)
    }

    @Test(arguments: [
        (ControlCommand.up, "u"), (.down, "d"), (.restart, "r"), (.exit, "x"), (.signal(1), "s1"),
        (.signal(15), "s15"), (.signal(64), "s64"),
    ])
    func line(command: ControlCommand, line: String) {
        #expect(command.line == line)
    }

    @Test(arguments: [ControlCommand.up, .down, .restart, .exit] + (1...64).map { ControlCommand.signal($0) })
    func lineRoundTrips(command: ControlCommand) {
        #expect(ControlCommand(line: command.line) == command)
    }
}
