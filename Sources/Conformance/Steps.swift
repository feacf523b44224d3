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
        async throws -> (dir: String, commit: String) {
        let dir = try await peer.workdir()
        let c = try await peer.commit(dir, file, content)
        try await peer.git(["remote", "add", "origin", cloneURL(owner, d)], in: dir)
        return (dir, c)
    }

    /// Announced, a state for `main`, pushed: a served repository.
    func servedRepository(_ owner: ConformActor, _ d: String, maintainers: [ConformActor] = [])
        async throws -> (dir: String, commit: String, announcement: NostrEvent, state: NostrEvent) {
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
        let url = try await peer.git(["remote", "get-url", "origin"], in: dir).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let ls = try await peer.git(["ls-remote", url])
        try expect(ls.status == 0, "the repository is not served, so a refusal means nothing: \(ls.err)")
        let push = try await peer.git(args, in: dir)
        try expect(push.status != 0, message)
        try expect(push.err.contains("rejected") || push.err.contains("declined"),
                   "the push failed without the server refusing it: \(push.err)")
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
let standardPrefixes = ["duplicate:", "pow:", "blocked:", "rate-limited:", "invalid:", "restricted:", "mute:", "error:", "auth-required:"]
func hasStandardPrefix(_ message: String) -> Bool { standardPrefixes.contains { message.hasPrefix($0) } }
