import DokuenBuild
import DokuenPosix
import Testing

/// Line splitting and Heroku-style formatting, without processes.
@Suite struct OutputFormatTests {
    @Test func linesAreSplitAcrossChunksAndTheLastIsKept() {
        var lines = OutputLines()
        #expect(lines.append(Array("a\r\nb".utf8)) == ["a"])
        #expect(lines.append(Array("c\n\nd".utf8)) == ["bc", ""])
        #expect(lines.finish() == "d")
        #expect(lines.finish() == nil)
    }

    @Test func overlongLinesAreCut() {
        var lines = OutputLines()
        let cut = lines.append([UInt8](repeating: UInt8(ascii: "x"), count: OutputLines.maxLineBytes + 5))
        #expect(cut.count == 1 && cut[0].utf8.count == OutputLines.maxLineBytes)
        #expect(lines.finish() == "xxxxx")
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        var lines = OutputLines()
        #expect(lines.append([0x66, 0xFF, 0x0A]) == ["f\u{FFFD}"])
    }

    @Test func buildpackOutputIsIndentedUnlessAlreadyFormatted() {
        #expect(BuildLog.indent("Installing pip") == "       Installing pip")
        #expect(BuildLog.indent("-----> Installing pip") == "-----> Installing pip")
        #expect(BuildLog.indent("       done") == "       done")
        #expect(BuildLog.indent(" !     Warning") == " !     Warning")
        #expect(BuildLog.indent("") == "")
        #expect(BuildLog.header("Python app detected") == "-----> Python app detected")
        #expect(BuildLog.elapsed(.milliseconds(12_345)) == "12.3 s")
        #expect(BuildLog.elapsed(.milliseconds(40)) == "0.0 s")
    }

    @Test func stackComesFromOSRelease() {
        let debian =
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"
        #expect(BuildSettings.stack(osRelease: debian) == "dokuen-debian-12")
        #expect(BuildSettings.stack(osRelease: "ID=ubuntu\nVERSION_ID=\"24.04\"\n") == "dokuen-ubuntu-24.04")
        #expect(BuildSettings.stack(osRelease: "") == "dokuen")
    }

    @Test func errorsAreOneLine() {
        #expect(
            BuildError.noneDetected(tried: ["python", "node", "go", "static", "procfile"]).description
                == "no buildpack detected this app; tried python, node, go, static, procfile")
        #expect(
            BuildError.failed(buildpack: "python", program: "compile", .exited(1)).description
                == "the python buildpack's compile failed (exit 1)")
        #expect(
            BuildError.timedOut(step: "the python buildpack's compile", seconds: 900).description
                == "the python buildpack's compile took more than 900 s and was stopped")
        #expect(
            BuildError.notInstalled(url: "https://x/p.git", from: "BUILDPACK_URL").description
                == "BUILDPACK_URL names https://x/p.git, which is not installed; install it with "
                + "`dokuen buildpacks install NAME https://x/p.git`")
    }
}
