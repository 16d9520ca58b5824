import Testing

@testable import DokuenCore

@Suite struct ProcfileTests {
    func entries(_ text: String) throws -> [String] {
        try Procfile.parse(text).entries.map { "\($0.type)=\($0.command)" }
    }

    @Test(arguments: [
        ("web: bundle exec rails s\n", ["web=bundle exec rails s"]),
        ("web: a\nworker: b", ["web=a", "worker=b"]),
        ("# comment\n\nweb: a\n   \n  # indented comment\nworker: b\n", ["web=a", "worker=b"]),
        ("web: a\r\nworker: b\r\n", ["web=a", "worker=b"]),
        ("\u{FEFF}web: a\n", ["web=a"]),
        ("web: a\rworker: b\r", ["web=a", "worker=b"]),  // old Mac OS line ends
        ("web: a\u{2028}worker: b\u{2029}clock: c\u{85}", ["web=a", "worker=b", "clock=c"]),
        ("web: a\r\n\rworker: b\n\r\nclock: c", ["web=a", "worker=b", "clock=c"]),
        ("web: python -m http.server --bind 0.0.0.0:$PORT", ["web=python -m http.server --bind 0.0.0.0:$PORT"]),
        ("clock: echo a:b:c", ["clock=echo a:b:c"]),
        ("web:a", ["web=a"]),
        ("web:\t  spaced out  \t", ["web=spaced out"]),
        ("  web: indented", ["web=indented"]),
        ("web: echo # not a comment", ["web=echo # not a comment"]),
        ("release: ./migrate\nweb: ./serve", ["release=./migrate", "web=./serve"]),
        ("Web_2-x: cmd", ["Web_2-x=cmd"]),
        ("", []),
        ("\n\n# only comments\n", []),
    ])
    func parses(_ text: String, _ expected: [String]) throws {
        #expect(try entries(text) == expected)
    }

    /// Every error names the line number.
    @Test(arguments: [
        ("web: a\nweb: b\n", "Procfile line 2: process type 'web' is already defined on line 1"),
        ("web: a\n\n# c\nthis is not a process line\n", "Procfile line 4: expected 'name: command', found no ':'"),
        ("web:\n", "Procfile line 1: process type 'web' has no command"),
        ("web:   \t\n", "Procfile line 1: process type 'web' has no command"),
        ("we b: x\n", "Procfile line 1: process type \"we b\" is invalid"),
        (": x\n", "Procfile line 1: process type \"\" is invalid: it is empty"),
        ("a.b: x\n", "Procfile line 1: process type \"a.b\" is invalid"),
        ("web : x\n", "Procfile line 1: process type \"web \" is invalid"),
        (
            "web: a\nWEB: b\n",
            "Procfile line 2: process type 'WEB' collides with 'web' on line 1: both would be WEB_PORT"
        ),
        ("a-b: x\na_b: y\n", "Procfile line 2: process type 'a_b' collides with 'a-b'"),
        (String(repeating: "x", count: 64) + ": y", "Procfile line 1: process type"),
        ("web: a\0b", "Procfile line 1: the command of 'web' contains a NUL byte"),
        ("web: a\rweb: b\r", "Procfile line 2: process type 'web' is already defined on line 1"),
        ("web: a\u{2028}oops\n", "Procfile line 2: expected 'name: command', found no ':'"),
        (
            "web: a\n-y: b\n",
            "Procfile line 2: process type \"-y\" is invalid: it starts with '-', which a command line reads as an option"
        ),
    ])
    func rejects(_ text: String, _ message: String) {
        do {
            let parsed = try Procfile.parse(text)
            Issue.record("accepted: \(parsed)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }

    @Test func rejectsInvalidUTF8NamingTheLine() {
        let bytes = Array("web: a\nworker: ".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        #expect(throws: CoreError.procfile(line: 2, reason: "it is not valid UTF-8")) { try Procfile.parse(bytes) }
    }

    @Test func lookupAndRender() throws {
        let procfile = try Procfile.parse("# c\r\nweb:  serve  \nworker: work\n")
        #expect(procfile[try ProcessType("worker")] == "work")
        #expect(procfile[try ProcessType("clock")] == nil)
        #expect(procfile.rendered() == "web: serve\nworker: work\n")
    }

    /// Property: any valid Procfile, rendered in any accepted dialect (LF, CRLF, CR, U+2028, BOM, comments, blank lines, spacing),
    /// parses back to the same entries. The seed is printed on failure so a case can be replayed.
    @Test(arguments: 0..<300)
    func randomProcfilesRoundTrip(_ seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let original = randomProcfile(&random)
        let text = render(original, &random)
        let parsed = try Procfile.parse(text)
        #expect(parsed == original, "seed \(seed): \(text.debugDescription)")
        #expect(try Procfile.parse(parsed.rendered()) == original, "seed \(seed)")
    }

    func randomProcfile(_ random: inout SplitMix64) -> Procfile {
        let nameCharacters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        let commandCharacters =
            Array(
                "abcxyzABC0123456789 \t:#$'\"`\\|&;<>(){}[]=+-*/.,!?~@%^é日本🚀")
        var entries: [Procfile.Entry] = []
        var portVariables: Set<String> = []
        for _ in 0..<random.next(below: 8) {
            let length = 1 + random.next(below: random.next(below: 4) == 0 ? 63 : 10)
            let name = String((0..<length).map { _ in nameCharacters[random.next(below: nameCharacters.count)] })
            guard !name.hasPrefix("-") else { continue }  // refused: a command line could not name it
            let type = try! ProcessType(name)
            guard portVariables.insert(type.portVariable).inserted else { continue }
            var command = String(
                (0..<(1 + random.next(below: 40))).map { _ in
                    commandCharacters[random.next(below: commandCharacters.count)]
                })
            command = command.trimmingSpacesAndTabs()
            if command.isEmpty { command = "run" }
            entries.append(Procfile.Entry(type: type, command: command))
        }
        return Procfile(entries: entries)
    }

    func render(_ procfile: Procfile, _ random: inout SplitMix64) -> String {
        let newline = ["\n", "\r\n", "\r", "\u{2028}"][random.next(below: 4)]
        var text = random.next(below: 4) == 0 ? "\u{FEFF}" : ""
        for entry in procfile.entries {
            switch random.next(below: 4) {
            case 0: text += "# a comment: with colon" + newline
            case 1: text += newline + "  \t" + newline
            default: break
            }
            let indent = random.next(below: 5) == 0 ? "  " : ""
            let gap = ["", " ", "  ", "\t", " \t "][random.next(below: 5)]
            let tail = ["", " ", "\t"][random.next(below: 3)]
            text += indent + entry.type.rawValue + ":" + gap + entry.command + tail + newline
        }
        if random.next(below: 2) == 0, text.hasSuffix(newline) { text.removeLast() }
        return text
    }
}

/// A small deterministic generator (Vigna's SplitMix64), so every property case is reproducible from its seed.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
