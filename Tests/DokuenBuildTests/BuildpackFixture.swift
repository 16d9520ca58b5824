import DokuenPosix
import TestSupport

/// Throwaway shell buildpacks for tests, written into a temporary directory (the built-ins are not needed).
struct BuildpackFixture {
    /// Writes a buildpack called `name` under `directory`: each script body runs under `/bin/sh -e`.
    static func write(
        _ name: String, in directory: String, detect: String, compile: String = "true",
        release: String = "echo '--- {}'"
    ) throws {
        let root = directory + "/" + name
        try Posix.mkdir(directory, existingOK: true)
        try Posix.mkdir(root, existingOK: true)
        try Posix.mkdir(root + "/bin", existingOK: true)
        for (program, body) in [("detect", detect), ("compile", compile), ("release", release)] {
            try AtomicFile.write(Array("#!/bin/sh\nset -e\n\(body)\n".utf8), to: root + "/bin/" + program, mode: 0o755)
        }
    }

    /// A buildpack that accepts an app holding `marker`, prints `shown` as its name, compiles by appending its name
    /// to `BUILD_DIR/compiled`, and releases `release`.
    static func accepting(
        _ name: String, marker: String, shown: String, in directory: String,
        release: String? = nil
    ) throws {
        try write(
            name, in: directory, detect: "[ -f \"$1/\(marker)\" ] || exit 1\necho \(shown)",
            compile: "echo compiling \(name) in \"$1\"\necho \(name) >> \"$1/compiled\"",
            release: "cat <<'YAML'\n\(release ?? "default_process_types:\n  web: run-\(name)")\nYAML")
    }
}
