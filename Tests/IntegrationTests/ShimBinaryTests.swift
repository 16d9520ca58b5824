import DokuenCore
import DokuenPosix
import TestSupport
import Testing

/// The shim links libc only, statically, in every build (the suite runs what is installed): no Foundation, no Swift
/// runtime, no shared library to pay for in every instance.
@Suite struct ShimBinaryTests {
    @Test func linksNothingAtRunTime() throws {
        let ldd = try #require(which("ldd"))
        let result = try runProgram(ldd, [builtProductsDirectory() + "/dokuen-shim"])
        #expect(
            (result.standardOutput + result.standardError).contains("not a dynamic executable"),
            "\(result.standardOutput)\(result.standardError)")
    }

    @Test func versionMatchesTheOtherExecutables() throws {
        let result = try runProgram(builtProductsDirectory() + "/dokuen-shim", ["--version"])
        #expect(result.standardOutput == DokuenVersion.current + "\n")
    }
}
