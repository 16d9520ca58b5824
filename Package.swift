// swift-tools-version:6.1
// Dependencies point one way: executables -> DokuenDaemon/DokuenAPI -> libraries -> DokuenPosix -> DokuenCore; only
// DokuenPosix (and the C targets) call libc. See docs/ARCHITECTURE.md (the modules and what must never depend on
// what) and docs/DEPENDENCIES.md (why each package is here). Every module a target imports is listed below.
import Foundation
import PackageDescription

/// Embedded Swift: no runtime, no Foundation; the shim links libc only (docs/DEPENDENCIES.md).
/// In release, -Osize and section garbage collection keep the shim's text (paid per instance while it is the only
/// process mapping the binary) small: 164 KB instead of 290 KB.
let embedded: [SwiftSetting] = [
    .enableExperimentalFeature("Embedded"), .unsafeFlags(["-wmo"]),
    .unsafeFlags(["-Osize", "-Xfrontend", "-function-sections"], .when(configuration: .release)),
]

/// C compiled for the shim too: in release, one section per function and datum, which the shim's --gc-sections
/// link drops when unused (the keeper of `ChildProcess.spawnExclusive` is the daemon's alone).
let cSections: [CSetting] = [
    .unsafeFlags(["-ffunction-sections", "-fdata-sections"], .when(configuration: .release))
]

/// Embedded Swift keeps Unicode's data tables (needed to compare strings) in a static library of the toolchain,
/// which must be linked by hand ("Strings" in the Embedded Swift user manual). It sits beside the `swiftc` on PATH.
let unicodeDataTables: [LinkerSetting] = {
    #if os(Linux) && arch(x86_64)
        let triple = "x86_64-unknown-linux-gnu"
    #elseif os(Linux) && arch(arm64)
        let triple = "aarch64-unknown-linux-gnu"
    #else
        let triple = "arm64-apple-macos"
    #endif
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
    for directory in path.split(separator: ":") {
        let swiftc = URL(fileURLWithPath: String(directory)).appendingPathComponent("swiftc")
        guard FileManager.default.isExecutableFile(atPath: swiftc.path) else { continue }
        let library = swiftc.resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("../lib/swift/embedded/\(triple)/libswiftUnicodeDataTables.a").standardized
        if FileManager.default.fileExists(atPath: library.path) { return [.unsafeFlags([library.path])] }
    }
    return []
}()

let package = Package(
    name: "dokuen",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dokuen", targets: ["dokuen"]),
        .executable(name: "dokuend", targets: ["dokuend"]),
        .executable(name: "dokuen-shim", targets: ["dokuen-shim"]),
    ],
    traits: [
        .trait(name: "Systemd", description: "Link libsystemd for sd_notify and socket activation (Linux only)."),
        .default(enabledTraits: ["Systemd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        // Already under Hummingbird; named so that the daemon can read a client's peer credentials (NIOCore).
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        // bin/release prints YAML; DokuenBuild parses it with a real YAML parser, not by hand.
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // Metrics are recorded through swift-metrics' API and exposed by swift-prometheus's registry at
        // GET /v1/metrics (docs/METRICS.md); swift-metrics is already under Hummingbird.
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        // The dashboard's pages: logic-less templates that escape HTML (docs/DASHBOARD.md).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
    ],
    targets: [
        // System libraries and C.
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // The one spawner (fork, fd actions as data, signals reset, credentials, execve) for the shim and DokuenPosix.
        // Each function in its own section, so that the shim's release link drops what only the daemon calls.
        .target(name: "CDokuenSpawn", cSettings: cSections),
        // The shim's libc face but for spawning: the system headers Embedded Swift needs, signalfd, /proc, sockets.
        .target(name: "CDokuenShim", cSettings: cSections),

        // Libraries.
        .target(name: "DokuenCore"),
        .target(name: "DokuenPosix", dependencies: ["DokuenCore", "CDokuenSpawn"]),
        .target(
            name: "DokuenSystemd",
            dependencies: [.target(name: "CSystemd", condition: .when(platforms: [.linux], traits: ["Systemd"]))]),
        .target(name: "DokuenStore", dependencies: ["DokuenCore", "DokuenPosix", "CSQLite"]),
        // The shim's pure logic; no imports at all, so that its Embedded twin can build from the same files.
        .target(name: "DokuenSupervision"),
        // The same files (symlinks) built as Embedded Swift for dokuen-shim: an Embedded module and a normal one
        // cannot import each other (docs/STACK-NOTES.md §1.9), so tests use DokuenSupervision and the shim this twin.
        .target(name: "DokuenSupervisionEmbedded", swiftSettings: embedded),
        // `BlockingThread`: a thread of its own for a blocking call, for the daemon and the dashboard (Foundation's
        // Thread, kept out of DokuenAPI so that the CLI does not link Foundation and ICU).
        .target(name: "DokuenThreads"),
        // Wire types of the HTTP/JSON API and the Unix-socket client the CLI uses.
        .target(name: "DokuenAPI", dependencies: ["DokuenCore", "DokuenPosix"]),
        // The daemon's services, run by dokuend as one ServiceGroup: the API server, the reconcile loop, the shim
        // watcher, the events listener, the deployer and nginx routing.
        .target(
            name: "DokuenDaemon",
            dependencies: [
                "CDokuenSpawn", "DokuenCore", "DokuenPosix", "DokuenStore", "DokuenAPI", "DokuenSystemd",
                "DokuenThreads",
                "DokuenSupervision", "DokuenReconciliation", "DokuenBuild", "DokuenRouting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        // The web dashboard (docs/DASHBOARD.md): a TCP listener of its own, a client of dokuend's Unix-socket API.
        .target(
            name: "DokuenDashboard",
            dependencies: [
                "DokuenCore", "DokuenAPI", "DokuenPosix", "DokuenThreads",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Heroku classic buildpacks: detect, compile and release, run as the unprivileged user with streamed output.
        .target(
            name: "DokuenBuild",
            dependencies: ["DokuenCore", "DokuenPosix", .product(name: "Yams", package: "Yams")]),
        // The reconciler's pure planner: desired formation + observed shims -> actions (no I/O).
        .target(name: "DokuenReconciliation", dependencies: ["DokuenCore", "DokuenSupervision"]),
        // nginx routing: a pure renderer (validated values -> config text) and the installer (nginx -t, reload).
        .target(name: "DokuenRouting", dependencies: ["DokuenCore", "DokuenPosix"]),

        // Executables.
        .executableTarget(
            name: "dokuen",
            dependencies: [
                "DokuenCore", "DokuenAPI", "DokuenPosix", "DokuenRouting", "DokuenSupervision",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Every command is a process of its own, so its start counts (issue 22): with the Swift runtime and
            // FoundationEssentials linked in, ld.so maps 6 libraries instead of 18 and `dokuen --version` starts in
            // 4.2 ms instead of 6.4 (release builds, docs/BENCHMARKS.md). `-static-stdlib` alone does not pull in
            // FoundationEssentials' own libraries, hence the three -l. Linked by lld, as dokuend is (below), with
            // packed relative relocations and no dynamic symbol table: 0.3 ms less per command. Release only: test
            // builds link as before.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims", "-lswiftSynchronization",
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker",
                        "--no-export-dynamic",
                    ], .when(platforms: [.linux], configuration: .release))
            ]),
        .executableTarget(
            name: "dokuend",
            dependencies: [
                "DokuenCore", "DokuenPosix", "DokuenStore", "DokuenSystemd", "DokuenDaemon", "DokuenRouting",
                "DokuenDashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Its memory with 200 instances is an issue 22 target (docs/BENCHMARKS.md, "Where dokuend's memory goes"):
            // the kernel maps the 64 KiB around each page a fault touches, so what counts is how much is mapped and
            // touched at all. In release on Linux: the Swift runtime and Foundation linked in (no 14 MiB of shared
            // libraries resident for dokuend alone; the binary no longer needs the toolchain's libraries), lld with
            // packed relative relocations (2.5 MiB of `.rela.dyn` that ld.so read whole become 21 KiB of `.relr.dyn`),
            // and no symbol table for dlsym (ld.so searched 2 MiB of it for every symbol of libstdc++ and libc).
            // Static Foundation needs its own libraries named, as the CLI's FoundationEssentials does.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-static-stdlib", "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCollections",
                        "-l_FoundationCShims", "-lswiftSynchronization", "-use-ld=lld", "-Xlinker", "-z", "-Xlinker",
                        "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
                    ], .when(platforms: [.linux], configuration: .release))
            ]),
        // The shim links no Foundation and no store: it must stay tiny and outlive the daemon.
        .executableTarget(
            name: "dokuen-shim", dependencies: ["CDokuenShim", "CDokuenSpawn", "DokuenSupervisionEmbedded"],
            swiftSettings: embedded,
            // String comparison needs Unicode's normalization tables, which Embedded Swift keeps in a library.
            // On Linux, libc is linked in (static, not PIE): no ld.so, no relocated copy of libc's data per
            // instance, so an idle shim costs 71 KiB PSS instead of 114 (issue 22, docs/BENCHMARKS.md). Not
            // static-pie: glibc's self-relocation asserts on the shim's relocations (docs/DEPENDENCIES.md). In test
            // builds too, so that the suite runs the shim users run: a static program cannot load NSS modules, and
            // the release-only static shim crashed on a user name while every test passed.
            linkerSettings: unicodeDataTables + [
                .unsafeFlags(["-Xlinker", "--gc-sections"], .when(configuration: .release)),
                .unsafeFlags(["-Xclang-linker", "-static", "-Xclang-linker", "-no-pie"], .when(platforms: [.linux])),
            ]),

        // Tests.
        .target(name: "TestSupport", dependencies: ["DokuenPosix"], path: "Tests/TestSupport"),
        .testTarget(name: "DokuenCoreTests", dependencies: ["DokuenCore", "TestSupport"]),
        .testTarget(
            name: "DokuenPosixTests", dependencies: ["DokuenPosix", "DokuenCore", "DokuenSupervision", "TestSupport"]),
        .testTarget(
            name: "DokuenStoreTests", dependencies: ["DokuenStore", "DokuenCore", "DokuenPosix", "TestSupport"]),
        .testTarget(name: "DokuenSupervisionTests", dependencies: ["DokuenSupervision"]),
        .testTarget(
            name: "DokuenReconciliationTests",
            dependencies: ["DokuenReconciliation", "DokuenCore", "DokuenSupervision", "TestSupport"]),
        .testTarget(
            name: "DokuenRoutingTests", dependencies: ["DokuenRouting", "DokuenCore", "DokuenPosix", "TestSupport"],
            exclude: ["Golden"]),
        .testTarget(
            name: "DokuenBuildTests", dependencies: ["DokuenBuild", "DokuenCore", "DokuenPosix", "TestSupport"]),
        .testTarget(name: "DokuenAPITests", dependencies: ["DokuenAPI", "DokuenPosix", "TestSupport"]),
        .testTarget(
            name: "DokuenDashboardTests", dependencies: ["DokuenDashboard", "DokuenAPI", "TestSupport"],
            exclude: ["Golden"]),
        .testTarget(
            name: "DokuenDaemonTests",
            dependencies: [
                "DokuenDaemon", "DokuenAPI", "DokuenCore", "DokuenPosix", "DokuenStore", "DokuenRouting",
                "DokuenReconciliation", "DokuenSupervision",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "TestSupport", "DokuenCore", "DokuenPosix", "DokuenAPI", "DokuenDaemon", "DokuenReconciliation",
                "DokuenRouting", "DokuenStore", "DokuenSupervision", "dokuen", "dokuend",
            ]),
    ],
    swiftLanguageModes: [.v6]
)

// The compiler's import checks (docs/ARCHITECTURE.md). MemberImportVisibility: a file must import each module whose
// members it uses, so no dependency creeps in through another import. InternalImportsByDefault: an import is
// internal unless written `public import`, so a module's public API shows which modules its clients must know.
// Every target builds with MemberImportVisibility. InternalImportsByDefault is not on yet for DokuenStore,
// DokuenReconciliation and TestSupport (public API over internal imports) nor for DokuenDaemon and dokuend (not
// tried): each needs `public import` where its public API names another module's types.
let memberImportVisibility: Set<String> = [
    "DokuenCore", "DokuenPosix", "DokuenSystemd", "DokuenStore", "DokuenSupervision", "DokuenAPI", "DokuenBuild",
    "DokuenReconciliation", "DokuenRouting", "DokuenDaemon", "DokuenDashboard", "DokuenThreads", "dokuen", "dokuend",
    "TestSupport",
    "DokuenCoreTests", "DokuenDashboardTests",
    "DokuenPosixTests", "DokuenDaemonTests", "DokuenAPITests", "IntegrationTests",
    "DokuenStoreTests", "DokuenSupervisionTests", "DokuenReconciliationTests", "DokuenRoutingTests", "DokuenBuildTests",
]
let internalImportsByDefault: Set<String> = [
    "DokuenCore", "DokuenPosix", "DokuenSystemd", "DokuenSupervision", "DokuenAPI", "DokuenBuild", "DokuenRouting",
    "dokuen", "DokuenCoreTests", "DokuenPosixTests", "DokuenStoreTests", "DokuenSupervisionTests",
    "DokuenReconciliationTests", "DokuenRoutingTests", "DokuenBuildTests",
]
for target in package.targets where memberImportVisibility.contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
for target in package.targets where internalImportsByDefault.contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("InternalImportsByDefault")]
}
