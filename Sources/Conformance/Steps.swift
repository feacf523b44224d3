import Crypto
import Foundation
import Nostr

/// Steps several checks share.
extension CheckContext {
    /// Publishes and requires an OK true.
    @discardableResult
    func accepted(_ e: NostrEvent, _ what: String) async throws -> String {
        let ok = try unwrap(try await peer.publish(e), "no OK for the \(what)")
        try expect(ok.accepted, "the \(what) was refused: \(ok.message)")
        return ok.message
    }

    /// A working repository with one commit, whose `origin` is `owner`'s repository `d`.
    func workdir(_ owner: ConformActor, _ d: String, file: String = "README", content: String = "conformance\n")
        async throws -> (dir: String, commit: String)
    {
        let dir = try await peer.workdir()
        let c = try await peer.commit(dir, file, content)
        try await peer.git(["remote", "add", "origin", cloneURL(owner, d)], in: dir)
        return (dir, c)
    }

    /// Announced, a state for `main`, pushed: a served repository.
    func servedRepository(_ owner: ConformActor, _ d: String, maintainers: [ConformActor] = [])
        async throws -> (dir: String, commit: String, announcement: NostrEvent, state: NostrEvent)
    {
        let ann = owner.announcement(d, maintainers: maintainers)
        try await accepted(ann, "announcement")
        let (dir, c1) = try await workdir(owner, d)
        let st = owner.state(d, refs: [("refs/heads/main", c1)])
        try await accepted(st, "state")
        let push = try await peer.git(["push", "origin", "main"], in: dir)
        try expect(push.status == 0, "the push authorized by the state was refused: \(push.err)")
        return (dir, c1, ann, st)
    }

    /// A push the server must refuse: the repository is served (a host with no git at all
    /// must not pass), and git reports the refusal as the server's.
    func expectRefusedPush(_ args: [String], in dir: String, _ message: String) async throws {
        let url = try await peer.git(["remote", "get-url", "origin"], in: dir).out.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let ls = try await peer.git(["ls-remote", url])
        try expect(ls.status == 0, "the repository is not served, so a refusal means nothing: \(ls.err)")
        let push = try await peer.git(args, in: dir)
        try expect(push.status != 0, message)
        // Whatever the form of the refusal, the refs must not have moved.
        let after = try await peer.git(["ls-remote", url])
        try expect(
            after.status == 0 && after.out == ls.out,
            "the push failed but the server's refs changed:\n\(ls.out)→\n\(after.out)")
        if push.err.contains("remote error:") {
            // An ERR pkt-line instead of a per-ref refusal: still the server's refusal.
            finding("refused with an ERR pkt-line, not a per-ref report-status (as ngit-grasp does since 1.0.1)")
            return
        }
        try expect(
            push.err.contains("rejected") || push.err.contains("declined"),
            "the push failed without the server refusing it: \(push.err)")
    }

    /// Publishes an event that only a relation to hosted events makes welcome (R3): it must
    /// be accepted and then served.
    func relatedAccepted(_ e: NostrEvent, _ what: String) async throws {
        try await accepted(e, what)
        try expect(try await served([e]), "the accepted \(what) is not served")
    }

    /// A clone made with `--filter=<filter>` (protocol v2, no checkout) that really is
    /// partial: git ignores a filter the server does not support and clones everything.
    func expectPartialClone(_ owner: ConformActor, _ d: String, filter: String, tip: String) async throws {
        let dest = try peer.scratchPath("partial-clone")
        let clone = try await peer.git([
            "-c", "protocol.version=2", "clone", "--no-checkout", "--filter=\(filter)",
            cloneURL(owner, d), dest,
        ])
        try expect(clone.status == 0, "the partial clone failed: \(clone.err)")
        let head = try await peer.git(["rev-parse", "HEAD"], in: dest)
        try expect(head.out.hasPrefix(tip), "cloned HEAD \(head.out.prefix(8)), expected \(tip.prefix(8))")
        let objects = try await peer.git(["rev-list", "--objects", "--missing=print", "HEAD"], in: dest)
        let missing = objects.out.split(separator: "\n").filter { $0.hasPrefix("?") }.count
        try expect(
            missing > 0,
            "the clone has every object: the server ignored --filter=\(filter)"
                + (clone.err.contains("filtering not recognized") ? " (git: filtering not recognized by server)" : ""))
    }

    /// Sends a receive-pack request by hand: git itself never sends an update whose old and
    /// new ids are equal. Answers the report-status lines (`ok <ref>` / `ng <ref> <why>`).
    func rawReceivePack(_ owner: ConformActor, _ d: String, updates: [(old: String, new: String, ref: String)])
        async throws -> (status: Int, report: [String])
    {
        var body = Data()
        for (i, u) in updates.enumerated() {
            body += Self.pktLine("\(u.old) \(u.new) \(u.ref)" + (i == 0 ? "\0report-status" : "") + "\n")
        }
        body += Data("0000".utf8)
        // An empty pack: header with no objects, then its SHA-1.
        let header = Data("PACK".utf8) + Data([0, 0, 0, 2, 0, 0, 0, 0])
        body += header + Data(Insecure.SHA1.hash(data: header))
        let r = try await peer.http(
            "POST", "/\(owner.npub)/\(d).git/git-receive-pack",
            headers: ["Content-Type": "application/x-git-receive-pack-request"], body: body)
        let lines = Self.pktLines(r.body)
        peer.transcript.note("  report: \(lines)")
        return (r.status, lines)
    }

    static func pktLine(_ s: String) -> Data {
        let payload = Data(s.utf8)
        return Data(String(format: "%04x", payload.count + 4).utf8) + payload
    }

    /// The payloads of a pkt-line stream (flushes dropped).
    static func pktLines(_ s: String) -> [String] {
        var out: [String] = []
        var rest = Substring(s)
        while rest.count >= 4, let n = Int(rest.prefix(4), radix: 16) {
            if n < 4 {
                rest = rest.dropFirst(4)
                continue
            }
            guard rest.utf8.count >= n else { break }
            out.append(String(rest.dropFirst(4).prefix(n - 4)).trimmingCharacters(in: .newlines))
            rest = rest.dropFirst(n)
        }
        return out
    }

    /// Whether a REQ for `ids` returns them all, asking again for up to `within` seconds
    /// (a server may finish after answering the push).
    func served(_ events: [NostrEvent], within: Double = 5) async throws -> Bool {
        let deadline = Date().addingTimeInterval(within)
        while true {
            let got = Set(try await peer.query(Filter(ids: events.map(\.id))).map(\.id))
            if Set(events.map(\.id)).isSubset(of: got) { return true }
            if Date() >= deadline { return false }
            try await Task.sleep(nanoseconds: 250_000_000)
        }
    }

    /// The capabilities of a protocol-v0 advertisement (after the NUL of its first ref line).
    static func capabilities(ofAdvertisement body: String) -> Set<String> {
        guard let nul = body.firstIndex(of: "\0") else { return [] }
        let rest = body[body.index(after: nul)...]
        let line = rest.prefix { $0 != "\n" }
        return Set(line.split(separator: " ").map { String($0.split(separator: "=").first ?? $0) })
    }
}

/// Machine-readable prefixes NIP-01 defines for OK and CLOSED messages.
let standardPrefixes = [
    "duplicate:", "pow:", "blocked:", "rate-limited:", "invalid:", "restricted:", "mute:", "error:", "auth-required:",
]
func hasStandardPrefix(_ message: String) -> Bool { standardPrefixes.contains { message.hasPrefix($0) } }
