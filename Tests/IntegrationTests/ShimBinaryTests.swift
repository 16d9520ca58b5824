import DokuenCore
import DokuenPosix
import TestSupport
import Testing

/// The shim links libc only: no Foundation, no Swift runtime to pay for in every instance.
@Suite struct ShimBinaryTests {
    @Test func linksNoFoundation() throws {
        let ldd = try #require(which("ldd"))
        let result = try runProgram(ldd, [builtProductsDirectory() + "/dokuen-shim"])
        #expect(result.status == .exited(0))
        #expect(!result.standardOutput.contains("Foundation"), "\(result.standardOutput)")
        #expect(!result.standardOutput.contains("libswift"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("libc.so"))
    }

    @Test func versionMatchesTheOtherExecutables() throws {
        let result = try runProgram(builtProductsDirectory() + "/dokuen-shim", ["--version"])
        #expect(result.standardOutput == DokuenVersion.current + "\n")
    }
}
