import DokuenCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// dokuen-shim: the per-process supervisor (issue 3). It links no Foundation and no store, so that it stays small
// and outlives the daemon. This first version answers --version and --help only.

let usage = """
    usage: dokuen-shim --version
    dokuen-shim supervises one process instance for dokuend; dokuend starts it, not a person.

    """

func writeError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

switch Array(CommandLine.arguments.dropFirst()) {
case ["--version"]:
    print(DokuenVersion.current)
case ["--help"], ["-h"]:
    print(usage, terminator: "")
default:
    writeError("dokuen-shim: error: supervision is not built yet\n" + usage)
    exit(64)  // EX_USAGE (sysexits.h), as for every usage error in Dokuen
}
