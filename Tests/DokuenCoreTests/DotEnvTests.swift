import Testing

@testable import DokuenCore

@Suite struct DotEnvTests {
    func pairs(_ text: String) throws -> [String] {
        try DotEnv.parse(text).map { "\($0.key)=\($0.value)" }
    }

    @Test(arguments: [
        ("A=1", ["A=1"]),
        ("A=1\nB=2\n", ["A=1", "B=2"]),
        ("export A=1", ["A=1"]),
        ("export\tA=1", ["A=1"]),
        ("A = spaced  ", ["A=spaced"]),
        ("A=", ["A="]),
        ("A=''", ["A="]),
        ("A=\"\"", ["A="]),
        ("A='literal \\n $HOME \"x\"'", ["A=literal \\n $HOME \"x\""]),
        ("A=\"line1\\nline2\"", ["A=line1\nline2"]),
        ("A=\"tab\\there \\\"q\\\" back\\\\slash \\$ \\x\"", ["A=tab\there \"q\" back\\slash \\$ \\x"]),
        ("A=\"multi\nline\"", ["A=multi\nline"]),
        ("A='multi\nline'\nB=2", ["A=multi\nline", "B=2"]),
        ("# comment\n\nA=1 # trailing comment", ["A=1"]),
        ("A=x#not-a-comment", ["A=x#not-a-comment"]),
        ("A= #only comment", ["A="]),
        ("A='quoted' # comment", ["A=quoted"]),
        ("A=$OTHER ${X}", ["A=$OTHER ${X}"]),
        ("A=a=b=c", ["A=a=b=c"]),
        ("A=1\r\nB=2\r\n", ["A=1", "B=2"]),
        ("\u{FEFF}A=1", ["A=1"]),
        ("A=1\nB=2\nA=3", ["A=3", "B=2"]),
        ("A=日本 🚀", ["A=日本 🚀"]),
        ("export=1", ["export=1"]),
        ("  A=indented", ["A=indented"]),
    ])
    func parses(_ text: String, _ expected: [String]) throws {
        #expect(try pairs(text) == expected)
    }

    @Test(arguments: [
        ("A", ".env line 1: expected '=' after A"),
        ("\n\nA B=1", ".env line 3: expected '=' after A"),
        ("1A=x", ".env line 1: key \"1A\" is invalid: it starts with a digit"),
        ("A-B=x", ".env line 1: key \"A-B\" is invalid"),
        ("A=\"never closed\nB=2", ".env line 1: the quote \" opened here is never closed"),
        ("X=1\nA='never closed", ".env line 2: the quote ' opened here is never closed"),
        ("A='x' y", ".env line 1: unexpected text after the closing quote of A"),
        ("A=\"a\nb\" junk", ".env line 2: unexpected text after the closing quote of A"),
        ("=value", ".env line 1: key \"\" is invalid: it is empty"),
    ])
    func rejects(_ text: String, _ message: String) {
        do {
            let parsed = try DotEnv.parse(text)
            Issue.record("accepted: \(parsed)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }
}
