import Foundation
import Nostr
import Testing

/// rust-nostr's nostr-sdk (Python, from PyPI; `scripts/setup.sh` installs it into
/// `.venv-peers`) as an independent Nostr client of `graspsim serve`.
@Suite struct NostrSdkPeerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Peers/nostr_sdk_peer.py"
    ).path

    static func python() throws -> String {
        let candidates: [String?] = [
            ProcessInfo.processInfo.environment["GRASPSIM_PEER_PYTHON"],
            root.appendingPathComponent(".venv-peers/bin/python").path,
        ]
        for c in candidates.compactMap({ $0 }) where FileManager.default.isExecutableFile(atPath: c) { return c }
        throw FixtureError("nostr-sdk peer not installed: run scripts/setup.sh (it creates .venv-peers with nostr-sdk)")
    }

    private func peer(_ args: [String]) async throws -> Any {
        let r = try await sh([try Self.python(), Self.script] + args)
        guard r.status == 0, let data = r.out.split(separator: "\n").last.map({ Data($0.utf8) }) else {
            throw FixtureError("nostr-sdk peer failed: \(r.err)")
        }
        return try JSONSerialization.jsonObject(with: data)
    }

    @Test func nostrSdkPublishesAndReadsThroughPurgatory() async throws {
        let relay = try ServedRelay()
        defer { relay.stop() }
        let keys = try #require(try await peer(["keys"]) as? [String: String])
        let secret = try #require(keys["secret"])
        let pub = try #require(keys["public"])
        let npub = try PublicKey.npub(fromHex: pub)
        let tags = [["d", "sdk"], ["clone", "\(relay.base)/\(npub)/sdk.git"], ["relays", relay.ws]]
        let ann = try #require(
            try await peer(["publish", "\(relay.port)", secret, "30617", json(tags)]) as? [String: Any])
        #expect(ann["accepted"] as? Bool == true)
        #expect((ann["message"] as? String)?.hasPrefix("purgatory:") == true, "\(ann)")

        let work = try await gitWorkdir()
        let c1 = try await commit(work, "a.txt", "sdk\n")
        let stTags = [["d", "sdk"], ["refs/heads/main", c1], ["HEAD", "ref: refs/heads/main"]]
        let st = try #require(
            try await peer(["publish", "\(relay.port)", secret, "30618", json(stTags)]) as? [String: Any])
        #expect(st["accepted"] as? Bool == true)
        #expect((st["message"] as? String)?.hasPrefix("purgatory:") == true)

        let before = try #require(try await peer(["fetch", "\(relay.port)", pub]) as? [[String: Any]])
        #expect(before.isEmpty, "served before the push: \(before)")

        try await sh(["git", "remote", "add", "origin", "\(relay.base)/\(npub)/sdk.git"], cwd: work)
        let push = try await sh(["git", "push", "origin", "main"], cwd: work)
        #expect(push.status == 0, "\(push.err)")

        let after = try #require(try await peer(["fetch", "\(relay.port)", pub]) as? [[String: Any]])
        let expected: Set<String> = Set([ann["id"] as? String, st["id"] as? String].compactMap { $0 })
        #expect(Set(after.compactMap { $0["id"] as? String }) == expected)
        // nostr-sdk verifies every event our relay serves.
        #expect(!after.isEmpty && after.allSatisfy { $0["verified"] as? Bool == true })
    }

    private func json(_ tags: [[String]]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: tags), as: UTF8.self)
    }
}
