import Testing

@testable import DokuenBuild

/// app.json's text: comments blanked out in place, and errors at their line and column (`JSONText`).
@Suite struct JSONTextTests {
    static func stripped(_ text: String) throws -> String {
        String(decoding: try JSONText.withoutComments(Array(text.utf8)), as: UTF8.self)
    }

    @Test func commentsBecomeSpacesAndNewlinesStay() throws {
        #expect(try Self.stripped("{\"a\": 1} // end") == "{\"a\": 1}       ")
        #expect(try Self.stripped("{/* x\ny */\"a\": 1}") == "{    \n    \"a\": 1}")
        #expect(try Self.stripped("[1, // one\n2]") == "[1,       \n2]")
        // Inside a string a comment is text, an escaped quote does not end the string.
        #expect(
            try Self.stripped(#"{"u": "http://x/*y*/", "q": "a\"//b"}"#) == #"{"u": "http://x/*y*/", "q": "a\"//b"}"#)
        // A lone slash is left for the scan to refuse.
        #expect(try Self.stripped("{/}") == "{/}")
        #expect(try Self.stripped("\u{FEFF}{}") == "   {}")
    }

    @Test func anUnclosedBlockCommentIsAnErrorAtItsStart() {
        #expect(throws: JSONText.Failure(offset: 7, message: "a /* comment is not closed with */")) {
            try JSONText.withoutComments(Array("{\n  1, /* x\n".utf8))
        }
    }

    @Test func positionsCountLinesAndCharacters() {
        let bytes = Array("ab\n\u{e9}t\u{e9}x\n".utf8)
        #expect(JSONText.position(of: 0, in: bytes) == JSONText.Position(line: 1, column: 1))
        #expect(JSONText.position(of: 3, in: bytes) == JSONText.Position(line: 2, column: 1))
        // é is two bytes and one column.
        #expect(JSONText.position(of: 8, in: bytes) == JSONText.Position(line: 2, column: 4))
        #expect(JSONText.position(of: 100, in: bytes) == JSONText.Position(line: 3, column: 1))
    }

    @Test(
        arguments: [
            ("{}", nil),
            (#" {"a": [1, -2.5e3, true, false, null, "x\n\u00e9\ud83d\ude00"], "b": {}} "#, nil),
            ("", "1:1 expected a value, found the end of the file"),
            ("{", "1:2 expected a key in double quotes, found the end of the file"),
            ("{\"a\": 1,}", "1:9 expected a key in double quotes, found '}' (a comma too many?)"),
            ("[1,]", "1:4 expected a value, found ']' (a comma too many?)"),
            ("{\n  \"a\": 1\n  \"b\": 2\n}", "3:3 expected ',' or '}' after the value of \"a\", found '\"'"),
            ("[1 2]", "1:4 expected ',' or ']' after a list's item, found '2'"),
            ("{\"a\" 1}", "1:6 expected ':' after the key \"a\", found '1'"),
            ("{\"a\": web}", "1:7 expected a value, found 'w'"),
            ("{\"a\": tru}", "1:7 expected a value, found 't' (strings go in double quotes)"),
            ("{\"a\": 01}", "1:7 an invalid number"),
            ("{\"a\": 1.}", "1:7 an invalid number"),
            (
                "{\"a\": \"x\\q\"}",
                "1:9 an invalid escape in a string; JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"
            ),
            ("{\"a\": \"x\ny\"}", "1:9 a string is not closed before the end of its line"),
            ("{\"a\": \"x", "1:7 a string is not closed with \""),
            ("{} x", "1:4 'x' after the end of the JSON value"),
            ("{'a': 1}", "1:2 expected a key in double quotes, found '''"),
        ] as [(String, String?)])
    func theFirstErrorIsFound(_ text: String, _ expected: String?) {
        let bytes = Array(text.utf8)
        let failure = JSONText.firstError(bytes)
        let described = failure.map {
            let position = JSONText.position(of: $0.offset, in: bytes)
            return "\(position.line):\(position.column) \($0.message)"
        }
        #expect(described == expected)
    }

    @Test func invalidUTF8AndDeepNestingAreErrors() {
        #expect(
            JSONText.firstError([0x22, 0xFF, 0x22])
                == JSONText.Failure(offset: 1, message: "the text is not valid UTF-8"))
        let deep = Array(String(repeating: "[", count: 100_000).utf8)
        #expect(JSONText.firstError(deep)?.message == "nested more than \(JSONText.maxDepth) deep")
    }

    @Test func theOffsetOfAPathIsWhereItsValueStarts() {
        let bytes = Array(#"{"a": {"b\"c": [10, {"d": true}]}}"#.utf8)
        #expect(JSONText.offset(of: [], in: bytes) == 0)
        #expect(JSONText.offset(of: [.key("a")], in: bytes) == 6)
        #expect(JSONText.offset(of: [.key("a"), .key("b\"c"), .index(1), .key("d")], in: bytes) == 26)
        #expect(JSONText.offset(of: [.key("z")], in: bytes) == nil)
    }
}
