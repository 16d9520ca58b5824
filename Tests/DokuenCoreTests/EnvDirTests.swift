import TestSupport
import Testing

@testable import DokuenCore

@Suite struct EnvDirTests {
    let key = try! EnvKey("VALUE")

    @Test(arguments: nastyEnvValues)
    func roundTrips(_ value: String) throws {
        let bytes = try EnvDir.encode(value, for: key)
        #expect(bytes.last == UInt8(ascii: "\n"))
        #expect(bytes.dropLast().contains(UInt8(ascii: "\n")) == false, "a newline must be stored as NUL")
        #expect(try EnvDir.decode(bytes, for: key) == value)
    }

    @Test(arguments: [
        ("trailing space ", "ends with a space"), ("trailing tab\t", "ends with a tab"),
        ("nul\0inside", "NUL byte"),
    ])
    func refusesWhatTheFormatCannotHold(_ value: String, _ why: String) {
        do {
            _ = try EnvDir.encode(value, for: key)
            Issue.record("accepted \(value.debugDescription)")
        } catch {
            #expect(error.description.contains(why))
            #expect(error.description.contains("VALUE"))
            #expect(!error.description.contains(value), "values may be secrets: never echo them")
        }
    }

    /// What envdir does with files Dokuen did not write.
    @Test(arguments: [
        ([], nil as String?),
        (Array("x\n".utf8), "x"), (Array("x".utf8), "x"), (Array("\n".utf8), ""),
        (Array("first\nsecond\n".utf8), "first"), (Array("trim  \t \n".utf8), "trim"),
        ([UInt8(ascii: "a"), 0, UInt8(ascii: "b")], "a\nb"), (Array("   \n".utf8), ""),
    ])
    func decodesLikeEnvdir(_ bytes: [UInt8], _ value: String?) throws {
        #expect(try EnvDir.decode(bytes, for: key) == value)
    }

    @Test func refusesNonUTF8() {
        #expect(throws: CoreError.self) { try EnvDir.decode([0xFF, 0xFE], for: key) }
    }
}
