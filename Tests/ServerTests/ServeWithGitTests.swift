import Foundation
import Testing
import Nostr

/// `graspsim serve` used by the real `git` CLI and a WebSocket Nostr client.
@Suite(.serialized) struct ServeWithGitTests {
    @Test func nip11CorsOptionsAndNotFound() async throws {
        let relay = try ServedRelay()
        defer { relay.stop() }
        let nip11 = try sh(["curl", "-s", "-i", "-H", "Accept: application/nostr+json", relay.base + "/"])
        #expect(nip11.out.contains("200"))
        #expect(nip11.out.contains("\"supported_grasps\""))
        #expect(nip11.out.lowercased().contains("access-control-allow-origin: *"))
        #expect(!nip11.out.contains("\"curation\""))
        let options = try sh(["curl", "-s", "-i", "-X", "OPTIONS", relay.base + "/anything/at/all"])
        #expect(options.out.hasPrefix("HTTP/1.1 204"))
        #expect(options.out.lowercased().contains("access-control-allow-origin: *"))
        let unknown = try sh(["curl", "-s", "-i", relay.base + "/\(Actor("x").npub)/nothing.git/info/refs?service=git-upload-pack"])
        #expect(unknown.out.hasPrefix("HTTP/1.1 404"))
        #expect(unknown.out.lowercased().contains("access-control-allow-origin: *"))
        for path in ["/\(Actor("x").npub)/..%2F..%2Fetc.git/info/refs", "/\(Actor("x").npub)/%2e%2e.git/info/refs",
                     "/%2e%2e/%2e%2e/etc/passwd", "/\(Actor("x").npub)/a%2Fb.git/info/refs"] {
            let r = try sh(["curl", "-s", "-i", "--path-as-is", relay.base + path])
            #expect(r.out.hasPrefix("HTTP/1.1 404"), "\(path): \(r.out.prefix(40))")
        }
    }

    /// The whole GRASP-01 flow with real git: hidden while waiting, push refused without a
    /// state, accepted with one, served after; clones with protocol v2 and v0, a partial
    /// clone, and a fetch of an unadvertised reachable commit by id.
    @Test func gitClientAgainstTheServer() async throws {
        let relay = try ServedRelay()
        defer { relay.stop() }
        let alice = Actor("alice")
        let url = "\(relay.base)/\(alice.npub)/demo.git"
        let ann = alice.announcement(relay, d: "demo")
        let annReplies = try await nostr(relay.ws, [.event(ann)])
        let annOK = try #require(okMessage(annReplies, ann))
        #expect(annOK.0 && annOK.1.hasPrefix("purgatory:"), "\(annOK)")

        // An empty repository exists while the announcement waits.
        let empty = NSTemporaryDirectory() + "graspsim-clone-\(UUID().uuidString)"
        let cloneEmpty = try sh(["git", "clone", url, empty])
        #expect(cloneEmpty.status == 0, "\(cloneEmpty.err)")

        let work = try gitWorkdir()
        let c1 = try commit(work, "a.txt", "one\n")
        let c2 = try commit(work, "b.txt", "two\n")
        try sh(["git", "remote", "add", "origin", url], cwd: work)
        let refused = try sh(["git", "push", "origin", "main"], cwd: work)
        #expect(refused.status != 0)
        #expect(refused.err.contains("authorisation failed: no state events in purgatory"), "\(refused.err)")

        let hidden = try await nostr(relay.ws, [.req(subID: "a", filters: [Filter(authors: [alice.keys.publicKey])])])
        #expect(served(hidden, sub: "a").isEmpty)

        let st = alice.state(d: "demo", main: c2)
        let stOK = try #require(okMessage(try await nostr(relay.ws, [.event(st)]), st))
        #expect(stOK.0 && stOK.1.hasPrefix("purgatory:"))
        let pushed = try sh(["git", "push", "origin", "main"], cwd: work)
        #expect(pushed.status == 0, "\(pushed.err)")

        let visible = try await nostr(relay.ws, [.req(subID: "b", filters: [Filter(authors: [alice.keys.publicKey])])])
        #expect(Set(served(visible, sub: "b").map(\.id)) == [ann.id, st.id])

        for version in ["2", "0"] {
            let dir = NSTemporaryDirectory() + "graspsim-clone-\(UUID().uuidString)"
            let clone = try sh(["git", "-c", "protocol.version=\(version)", "clone", url, dir])
            #expect(clone.status == 0, "v\(version): \(clone.err)")
            #expect(try sh(["git", "rev-parse", "HEAD"], cwd: dir).out.hasPrefix(c2))
            #expect(try sh(["git", "symbolic-ref", "HEAD"], cwd: dir).out.contains("refs/heads/main"))
        }
        let partial = NSTemporaryDirectory() + "graspsim-clone-\(UUID().uuidString)"
        let filtered = try sh(["git", "clone", "--filter=blob:none", url, partial])
        #expect(filtered.status == 0, "\(filtered.err)")
        #expect(try sh(["git", "config", "remote.origin.promisor"], cwd: partial).out.contains("true"))

        // c1 is not advertised (only main = c2) but reachable: fetch it by id with v0.
        let byID = try gitWorkdir()
        try sh(["git", "remote", "add", "origin", url], cwd: byID)
        let fetch = try sh(["git", "-c", "protocol.version=0", "fetch", "origin", c1], cwd: byID)
        #expect(fetch.status == 0, "\(fetch.err)")
        #expect(try sh(["git", "cat-file", "-t", c1], cwd: byID).out.contains("commit"))
    }

    /// `refs/nostr/<id>`: an invalid id is refused; a PR's commit pushed first waits as a
    /// placeholder, and the PR event is then served.
    @Test func nostrRefs() async throws {
        let relay = try ServedRelay()
        defer { relay.stop() }
        let alice = Actor("alice"), bob = Actor("bob")
        let url = "\(relay.base)/\(alice.npub)/prs.git"
        let ann = alice.announcement(relay, d: "prs")
        _ = try await nostr(relay.ws, [.event(ann)])
        let work = try gitWorkdir()
        let c1 = try commit(work, "a.txt", "one\n")
        try sh(["git", "remote", "add", "origin", url], cwd: work)
        _ = try await nostr(relay.ws, [.event(alice.state(d: "prs", main: c1))])
        #expect(try sh(["git", "push", "origin", "main"], cwd: work).status == 0)
        let c2 = try commit(work, "pr.txt", "pr\n")
        let bad = try sh(["git", "push", "origin", "HEAD:refs/nostr/not-an-event-id"], cwd: work)
        #expect(bad.status != 0)
        #expect(bad.err.contains("invalid nostr ref"), "\(bad.err)")
        let pr = bob.event(1618, [["a", "30617:\(alice.keys.publicKey):prs"], ["c", c2], ["subject", "a change"]])
        let gitFirst = try sh(["git", "push", "origin", "HEAD:refs/nostr/\(pr.id)"], cwd: work)
        #expect(gitFirst.status == 0, "\(gitFirst.err)")
        let prOK = try #require(okMessage(try await nostr(relay.ws, [.event(pr)]), pr))
        #expect(prOK.0)
        let shown = try await nostr(relay.ws, [.req(subID: "p", filters: [Filter(kinds: [1618])])])
        #expect(served(shown, sub: "p").map(\.id) == [pr.id])
    }

    /// SIGKILL right after an announcement was acknowledged: its purgatory entry survives
    /// (the file is kept current), so the repository is still there after a restart.
    @Test func purgatorySurvivesSIGKILL() async throws {
        let first = try ServedRelay()
        let alice = Actor("alice")
        let ann = alice.announcement(first, d: "kept")
        let ok = try #require(okMessage(try await nostr(first.ws, [.event(ann)]), ann))
        #expect(ok.0)
        first.stop(signal: SIGKILL)
        let second = try ServedRelay(data: first.data)
        defer { second.stop() }
        let lsRemote = try sh(["git", "ls-remote", "\(second.base)/\(alice.npub)/kept.git"])
        #expect(lsRemote.status == 0, "\(lsRemote.err)")
    }
}
