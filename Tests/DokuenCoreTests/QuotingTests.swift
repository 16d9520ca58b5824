import DokuenCore
import TestSupport
import Testing

/// One rule for showing outside text in messages: whatever the input, the result is one line of printable ASCII,
/// and a shell reading a `Quoting.shell` word gets the input back byte for byte.
@Suite struct QuotingTests {
    @Test(arguments: [
        ("blog", #""blog""#), ("a\"b", #""a\"b""#), ("a\\b", #""a\\b""#), ("a\nb", #""a\nb""#),
        ("a\rb\tc\0", #""a\rb\tc\0""#), ("\u{1B}[31m", #""\u{1b}[31m""#), ("caf\u{E9}", #""caf\u{e9}""#),
        ("\u{202E}txt", #""\u{202e}txt""#), ("\u{7F}", #""\u{7f}""#), ("", #""""#),
    ])
    func quotedEscapesAllButPrintableASCII(_ input: String, _ expected: String) {
        #expect(Quoting.quoted(input) == expected)
    }

    @Test(arguments: [
        (Unicode.Scalar("/"), 2, "'/' at position 2"), ("'", 1, "an apostrophe (') at position 1"),
        ("\0", 3, "a NUL byte at position 3"), (" ", 1, "a space at position 1"), ("\n", 2, "a newline at position 2"),
        ("\u{1B}", 1, "control character U+001B at position 1"), ("\u{E9}", 4, "non-ASCII U+00E9 at position 4"),
        ("\u{65E5}", 1, "non-ASCII U+65E5 at position 1"),
    ])
    func describeNamesTheCharacter(_ scalar: Unicode.Scalar, _ position: Int, _ expected: String) {
        #expect(Quoting.describe(scalar, at: position) == expected)
    }

    @Test func printableReplacesAndCuts() {
        #expect(Quoting.printable("a\nb\u{7F}") == "a?b?")
        #expect(Quoting.printable("caf\u{E9} \u{1B}[0m") == "caf? ?[0m")
        #expect(Quoting.printable("abcdef", limit: 3) == "abc…")
        #expect(Quoting.printable("abc", limit: 3) == "abc")
    }

    @Test(arguments: [
        ("/usr/bin/dokuen", "'/usr/bin/dokuen'"), ("it's", #"'it'\''s'"#), ("'", #"''\'''"#), ("", "''"),
        ("a b$c`d\"e\\f", #"'a b$c`d"e\f'"#),
    ])
    func shellQuotesForPOSIXsh(_ input: String, _ expected: String) {
        #expect(Quoting.shell(input) == expected)
    }

    /// sh itself reads every quoted word back as the original bytes, quotes and all.
    @Test(arguments: ["it's", "'", "''", "a'b'c", "$HOME `id` \"x\" \\n", "new\nline", "tab\there"])
    func shellReadsTheWordBack(_ input: String) throws {
        let result = try runProgram("/bin/sh", ["-c", "printf %s " + Quoting.shell(input)])
        #expect(result.stdout == Array(input.utf8), "\(result.standardError)")
    }
}

@Suite struct ShellWordTests {
    @Test(arguments: [
        ("/var/lib/dokuen/apps/blog/repo.git", "/var/lib/dokuen/apps/blog/repo.git"),
        ("a b", "'a b'"), ("it's", "'it'\\''s'"), ("", "''"), ("$HOME", "'$HOME'"), ("x=1,y@z", "x=1,y@z"),
    ])
    func quotesOnlyWhatNeedsIt(_ text: String, _ word: String) {
        #expect(Quoting.shellWord(text) == word)
    }
}
