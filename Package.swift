// swift-tools-version:6.0
import PackageDescription

// Dependencies are named by GitHub URL with `from:` set to the version this
// project is developed against (see README, "Building").
// The modules a simulated run goes through. Release builds drop dynamic exclusivity
// checks there: they cost about a tenth of a sweep's time (retain/release and access
// bookkeeping on every class property), and debug builds and tests keep them.
let simulationHotPath: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
    name: "GraspSim",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "graspsim", targets: ["graspsim"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // C libraries from the system (apt: libsecp256k1-dev, libgit2-dev).
        .systemLibrary(
            name: "CSecp256k1", pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"]), .brew(["secp256k1"])]),
        .systemLibrary(
            name: "CGit2", pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]),
        // glibc's mallopt (see Harness/AllocatorTuning.swift).
        .systemLibrary(name: "CMalloc"),

        .target(
            name: "SimKernel",
            dependencies: [
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: [
                // The event loop touches the kernel's stored properties on every event; dynamic
                // exclusivity checks cost a third of its time. Debug builds and tests keep them.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
            ]),
        .target(
            name: "Nostr",
            dependencies: [
                "CSecp256k1",
                .product(name: "Crypto", package: "swift-crypto"),
            ], swiftSettings: simulationHotPath),
        .target(
            name: "GitStore",
            dependencies: [
                "CGit2",
                .product(name: "Collections", package: "swift-collections"),
            ], swiftSettings: simulationHotPath),
        .target(
            name: "EventStore",
            dependencies: [
                "Nostr",
                .product(name: "GRDB", package: "GRDB.swift"),
            ], swiftSettings: simulationHotPath),
        .target(
            name: "Relay",
            dependencies: [
                "SimKernel", "Nostr", "GitStore", "EventStore",
                .product(name: "Collections", package: "swift-collections"),
            ], swiftSettings: simulationHotPath),
        .target(name: "Coordination", dependencies: ["SimKernel"], swiftSettings: simulationHotPath),
        .target(name: "Sync", dependencies: ["Relay", "GitStore", "SimKernel"], swiftSettings: simulationHotPath),
        .target(
            name: "Scenario",
            dependencies: [
                "SimKernel", "Nostr",
                .product(name: "Yams", package: "Yams"),
            ]),
        // One relay/git-host process around the core (locks, maintenance, sync,
        // reconciliation), sans-IO: the simulator and a real server both drive it.
        .target(
            name: "RelayProcess",
            dependencies: [
                "SimKernel", "Nostr", "GitStore", "EventStore", "Relay", "Coordination", "Sync",
            ], swiftSettings: simulationHotPath),
        .target(
            name: "Checks",
            dependencies: [
                "SimKernel", "Nostr", "GitStore", "EventStore", "Relay", "Coordination", "Sync", "RelayProcess",
            ], swiftSettings: simulationHotPath),
        .target(
            name: "Harness",
            dependencies: [
                "SimKernel", "Nostr", "GitStore", "EventStore", "Relay", "Coordination", "Sync",
                "RelayProcess", "Scenario", "Checks", "CMalloc",
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Yams", package: "Yams"),
            ], swiftSettings: simulationHotPath),
        // The reference on a real network: the relay process behind Hummingbird (HTTP +
        // WebSocket) with the git programs serving repositories.
        .target(
            name: "Server",
            dependencies: [
                "RelayProcess", "Relay", "EventStore", "GitStore", "Nostr", "SimKernel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // `graspsim conform`: requirement-by-requirement checks of a live implementation
        // over a real WebSocket, HTTP and the git CLI.
        .target(
            name: "Conformance",
            dependencies: [
                "Nostr",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "graspsim",
            dependencies: [
                "Harness", "SimKernel", "Nostr", "GitStore", "EventStore", "Scenario", "Relay", "Checks", "Server",
                "Conformance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "CoordinationTests", dependencies: ["Coordination", "SimKernel"]),
        .testTarget(name: "SyncTests", dependencies: ["Sync", "GitStore", "SimKernel", "Checks"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "SimKernel"]),
        .testTarget(name: "NostrTests", dependencies: ["Nostr"]),
        .testTarget(name: "GitStoreTests", dependencies: ["GitStore", "EventStore", "Nostr", "SimKernel"]),
        .testTarget(name: "RelayTests", dependencies: ["Relay", "Nostr", "GitStore", "EventStore"]),
        .testTarget(
            name: "RelayProcessTests",
            dependencies: [
                "RelayProcess", "Relay", "Nostr", "GitStore", "EventStore", "Coordination", "Sync", "SimKernel",
            ]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Nostr", "Relay", "Conformance",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "HarnessTests",
            dependencies: [
                "Harness", "Scenario", "Checks", "SimKernel", "Relay", "Nostr", "Sync", "RelayProcess",
            ]),
    ],
    swiftLanguageModes: [.v5]
)
