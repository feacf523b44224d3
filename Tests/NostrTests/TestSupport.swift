import Foundation

@testable import Nostr

/// SplitMix64: a tiny seeded generator so tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Fixture {
    /// The package root: walk up from this file until a directory holds Package.swift.
    static func packageRoot(file: String = #filePath) -> URL {
        var dir = URL(fileURLWithPath: file).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return dir
            }
            dir = dir.deletingLastPathComponent()
        }
        fatalError("no Package.swift above \(file)")
    }

    static func text(_ name: String) throws -> String {
        try String(
            contentsOf: packageRoot().appendingPathComponent("Fixtures").appendingPathComponent(name),
            encoding: .utf8)
    }
}

/// Fixed test identities.
enum TestKeys {
    static let alice = KeyPair.deterministic(name: "alice", salt: 7)
    static let bob = KeyPair.deterministic(name: "bob", salt: 7)
    static let zeroAux = [UInt8](repeating: 0, count: 32)
}

func hexBytes(_ s: String) -> [UInt8] { Hex.decode(s)! }
