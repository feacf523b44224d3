import Foundation
import Nostr

/// The NIP-01 checks: the basics a GRASP relay relies on (they also run against plain relays).
extension Catalogue {
    // MARK: NIP-01 basics a GRASP relay relies on

    static let nip01: [Check] = [
        Check("NIP-01.req-eose", "NIP-01", .must, "A REQ is answered with the stored events and then EOSE") { c in
            let sub = "eose"
            let replies = try await c.peer.nostr([
                .req(subID: sub, filters: [Filter(ids: [String(repeating: "0", count: 64)])])
            ])
            try expect(
                replies.contains { if case .eose(sub) = $0 { return true } else { return false } },
                "no EOSE for a REQ that matches nothing")
        },
        Check(
            "NIP-01.bad-signature", "NIP-01", .must,
            "An event whose signature does not verify is refused with `invalid:`"
        ) { c in
            var e = c.actor("a").announcement(c.identifier())
            e.sig = String(repeating: "0", count: 128)
            let ok = try unwrap(try await c.peer.publish(e), "no OK for an event with a bad signature")
            try expect(!ok.accepted && ok.message.hasPrefix("invalid:"), "answered \(ok.accepted) \"\(ok.message)\"")
        },
        Check(
            "NIP-01.bad-id", "NIP-01", .must,
            "An event whose id is not the hash of its content is refused with `invalid:`"
        ) { c in
            let good = c.actor("a").announcement(c.identifier())
            var e = good
            e.content = "changed after signing"
            let ok = try unwrap(try await c.peer.publish(e), "no OK for an event with a wrong id")
            try expect(!ok.accepted && ok.message.hasPrefix("invalid:"), "answered \(ok.accepted) \"\(ok.message)\"")
        },
        Check(
            "NIP-01.invalid-json", "NIP-01", .should,
            "A frame that is not JSON gets a NOTICE and the connection stays usable"
        ) { c in
            let sub = "after"
            let replies = try await c.peer.nostr(
                [.req(subID: sub, filters: [Filter(ids: [String(repeating: "1", count: 64)])])],
                raw: ["this is not json"])
            try expect(
                replies.contains { if case .notice = $0 { return true } else { return false } },
                "no NOTICE for a frame that is not JSON")
            try expect(
                replies.contains { if case .eose(sub) = $0 { return true } else { return false } },
                "the connection did not answer a REQ afterwards")
        },
        Check(
            "NIP-01.addressable-tie-break", "NIP-01", .should,
            "Of two versions of an addressable event with equal created_at, the one with the lowest id is kept"
        ) { c in
            // Both orders: a relay that keeps the first version stored fails the first, one
            // that keeps the last fails the second.
            for order in ["higher-first", "lower-first"] {
                let owner = c.actor("owner-\(order)")
                let d = c.identifier(order)
                let a: NostrEvent
                let b: NostrEvent
                let kind: Int
                if c.grasp {
                    // Stored the GRASP way: two states whose data the repository already has,
                    // both newer than the state that served it (the push may take a while).
                    let repo = try await c.servedRepository(owner, d)
                    let t = max(repo.state.createdAt, Int64(Date().timeIntervalSince1970)) + 5
                    a = owner.state(d, refs: [("refs/heads/main", repo.commit)], createdAt: t, extra: [["x", "a"]])
                    b = owner.state(d, refs: [("refs/heads/main", repo.commit)], createdAt: t, extra: [["x", "b"]])
                    kind = 30618
                } else {
                    let t = Int64(Date().timeIntervalSince1970) + 5
                    a = owner.event(30078, [["d", d]], content: "a", createdAt: t)
                    b = owner.event(30078, [["d", d]], content: "b", createdAt: t)
                    kind = 30078
                }
                let (low, high) = a.id < b.id ? (a, b) : (b, a)
                let sent = order == "higher-first" ? [high, low] : [low, high]
                let replies = try await c.peer.nostr(sent.map { .event($0) })
                for e in sent {
                    let ok = try unwrap(c.peer.ok(replies, e), "no OK for version \(e.id.prefix(8)) within the timeout")
                    if !ok.accepted && ok.message.hasPrefix("rate-limited:") {
                        throw CheckFailed(
                            description: "the second version was rate-limited: \(ok.message)",
                            divergence: "a stricter rate limit than this check needs (two events in a row)")
                    }
                }
                let got = try await c.peer.query(Filter(authors: [owner.pubkey], kinds: [kind])).map(\.id)
                guard got == [low.id] else {
                    throw CheckFailed(
                        description: "sent the \(order == "higher-first" ? "higher" : "lower") id first; served "
                            + "\(got.map { String($0.prefix(8)) }), expected only \(low.id.prefix(8))",
                        divergence: got == [sent[0].id]
                            ? "keeps the version stored first (as ngit-relay does)"
                            : got == [sent[1].id]
                                ? "keeps the version stored last (as ngit-grasp may, by iteration order)" : nil)
                }
            }
        },
        Check("NIP-01.limit-newest-first", "NIP-01", .must, "`limit` returns the newest events, newest first") { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            if c.grasp { _ = try await c.servedRepository(owner, d) }
            let base = Int64(Date().timeIntervalSince1970) - 100
            let kind = c.grasp ? 1621 : 1
            let issues = (0..<3).map { i in
                owner.event(
                    kind,
                    c.grasp
                        ? [["a", repoCoordinate(owner: owner.pubkey, identifier: d)], ["subject", "issue \(i)"]] : [],
                    content: "issue \(i)", createdAt: base + Int64(i))
            }
            _ = try await c.peer.nostr(issues.map { .event($0) })
            let got = try await c.peer.query(Filter(authors: [owner.pubkey], kinds: [kind], limit: 2))
            try expect(
                got.map(\.id) == [issues[2].id, issues[1].id],
                "got \(got.map { $0.createdAt }), expected the two newest, newest first")
        },
    ]
}
