import DokuenPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The outcome of running a real program to completion.
public struct ProgramResult: Sendable {
    public let status: ExitStatus
    public let stdout: [UInt8]
    public let stderr: [UInt8]

    public var standardOutput: String { String(decoding: stdout, as: UTF8.self) }
    public var standardError: String { String(decoding: stderr, as: UTF8.self) }
}

/// Why a program run failed to produce a result.
public struct ProgramRunError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}

/// Runs `executable` with a hard deadline, in its own process group. Output goes to files (no pipe can fill up).
/// When the deadline passes, the whole group gets SIGKILL, the child is reaped, and the run throws: a test never
/// leaves a process behind.
public func runProgram(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: [UInt8] = [],
    deadlineSeconds: Int32 = 60
) throws -> ProgramResult {
    let scratch = try TemporaryDirectory("run")
    defer { scratch.remove() }
    try AtomicFile.write(stdin, to: scratch("stdin"))
    let input = try Posix.open(scratch("stdin"), O_RDONLY)
    let output = try Posix.open(scratch("stdout"), O_WRONLY | O_CREAT | O_TRUNC)
    let errors = try Posix.open(scratch("stderr"), O_WRONLY | O_CREAT | O_TRUNC)
    let child: ChildProcess
    do {
        defer {
            Posix.close(input)
            Posix.close(output)
            Posix.close(errors)
        }
        child = try ChildProcess.spawn(
            executable, arguments: arguments, environment: environment ?? Posix.environment(),
            stdin: input, stdout: output, stderr: errors)
    }
    guard let status = try child.wait(milliseconds: deadlineSeconds * 1000) else {
        try child.signalGroup(SIGKILL)
        _ = try child.wait()
        throw ProgramRunError(description: "\(executable) \(arguments) ran past its \(deadlineSeconds) s deadline")
    }
    // Anything the program left in its group dies with it.
    try child.signalGroup(SIGKILL)
    return ProgramResult(
        status: status, stdout: try Posix.readFile(scratch("stdout")), stderr: try Posix.readFile(scratch("stderr")))
}

/// The directory holding the built executables (`dokuen`, `dokuend`, `dokuen-shim`): the test bundle's own.
public func builtProductsDirectory() -> String {
    if let overridden = Posix.environment()["DOKUEN_BIN_DIR"] { return overridden }
    var path = CommandLine.arguments[0]
    if !path.hasPrefix("/") {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        path = String(cString: getcwd(&buffer, buffer.count)) + "/" + path
    }
    // Linux: .build/debug/dokuenPackageTests.xctest; macOS: .../dokuenPackageTests.xctest/Contents/MacOS/...
    var directory = String(path[..<path.lastIndex(of: "/")!])
    if directory.hasSuffix(".xctest/Contents/MacOS") {
        for _ in 0..<3 { directory = String(directory[..<directory.lastIndex(of: "/")!]) }
    }
    return directory
}

/// The absolute path of a program on PATH, or nil.
public func which(_ name: String) -> String? {
    for directory in (Posix.environment()["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}
