import DokuenSupervision
import Testing

/// The state names and exit texts used in `status` files.
@Suite struct ShimStateTests {
    @Test(arguments: [
        (ShimState.stopped, "STOPPED"), (.starting, "STARTING"), (.running, "RUNNING"), (.backoff, "BACKOFF"),
        (.stopping, "STOPPING"), (.exited, "EXITED"), (.fatal, "FATAL"),
    ])
    func name(state: ShimState, name: String) {
        #expect(state.name == name)
        #expect(ShimState(name: name) == state)
    }

    @Test(arguments: ["", "running", "Running", "RUNNING ", "UNKNOWN", "BACKOFF\n"])
    func rejectsName(name: String) {
        #expect(ShimState(name: name) == nil)
    }

    @Test(arguments: [
        (ProcessExit.code(0), "code 0"), (.code(1), "code 1"), (.code(255), "code 255"), (.code(-1), "code -1"),
        (.signal(9), "signal 9"), (.signal(15), "signal 15"),
    ])
    func exitText(exit: ProcessExit, text: String) {
        #expect(exit.text == text)
        #expect(ProcessExit(text: text) == exit)
    }

    @Test(arguments: [
        "", "none", "code", "code ", "signal", "code x", "code 1 2", "exit 1", "Code 1", "signal 9x", "9",
        "code 99999999999",
    ])
    func rejectsExitText(text: String) {
        #expect(ProcessExit(text: text) == nil)
    }
}
