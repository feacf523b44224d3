import Foundation
import Nostr

extension Catalogue {
    /// R7–R12: pushes, their release of waiting events, git over HTTP and the web.
    static let graspGit: [Check] = [
        Check("R7.no-state-rejected", "R7", .must, "A push with no authorizing state is refused") { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let (dir, _) = try await c.workdir(owner, d)
            try await c.expectRefusedPush(["push", "origin", "main"], in: dir, "a push without any state was accepted")
        },
        Check("R7.owner-state-accepted", "R7", .must, "A push whose refs equal the owner's waiting state is accepted") {
            c in
            _ = try await c.servedRepository(c.actor("owner"), c.identifier())
        },
        Check(
            "R7.wrong-commit-rejected", "R7", .must, "A push whose refs differ from every authorized state is refused"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            try await c.accepted(owner.state(d, refs: [("refs/heads/main", c1)]), "state")
            _ = try await c.peer.commit(dir, "other", "not in the state\n")
            try await c.expectRefusedPush(
                ["push", "origin", "main"], in: dir, "a push of a commit no state names was accepted")
        },
        Check(
            "R7.maintainer-state-accepted", "R7", .must,
            "A state by a listed maintainer authorizes a push to the owner's repository"
        ) { c in
            let owner = c.actor("owner")
            let maint = c.actor("maintainer")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d, maintainers: [maint]), "announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            try await c.accepted(maint.state(d, refs: [("refs/heads/main", c1)]), "maintainer's state")
            let push = try await c.peer.git(["push", "origin", "main"], in: dir)
            try expect(push.status == 0, "refused: \(push.err)")
        },
        Check(
            "R7.recursive-maintainer-accepted", "R7", .must,
            "A state by a maintainer that a maintainer lists (recursive set) authorizes a push to the owner's repository"
        ) { c in
            let owner = c.actor("owner")
            let m1 = c.actor("maintainer")
            let m2 = c.actor("their-maintainer")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d, maintainers: [m1]), "owner's announcement")
            try await c.accepted(m1.announcement(d, maintainers: [m2]), "maintainer's announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            try await c.accepted(m2.state(d, refs: [("refs/heads/main", c1)]), "state by the maintainer's maintainer")
            let push = try await c.peer.git(["push", "origin", "main"], in: dir)
            try expect(push.status == 0, "refused: \(push.err)")
        },
        Check(
            "R7.noop-push-accepted", "R7", .must,
            "A push whose every update is a no-op (old = new) is accepted, after its state was applied"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            let repo = try await c.servedRepository(owner, d)
            let r = try await c.rawReceivePack(owner, d, updates: [(repo.commit, repo.commit, "refs/heads/main")])
            try expect(r.status == 200, "receive-pack answered \(r.status)")
            try expect(r.report.contains("ok refs/heads/main"), "the no-op update was not accepted: \(r.report)")
        },
        Check(
            "R7.peeled-entries-ignored", "R7", .should,
            "A state's peeled `^{}` entries take no part in comparing refs: an annotated tag push matching it is accepted"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            try await c.peer.git(
                [
                    "-c", "user.name=conform", "-c", "user.email=conform@graspsim.invalid", "tag", "-a", "v1", "-m",
                    "v1",
                ], in: dir)
            let tag = try await c.peer.git(["rev-parse", "v1"], in: dir).out.trimmingCharacters(
                in: .whitespacesAndNewlines)
            try await c.accepted(
                owner.state(d, refs: [("refs/heads/main", c1), ("refs/tags/v1", tag), ("refs/tags/v1^{}", c1)]), "state"
            )
            let push = try await c.peer.git(["push", "origin", "main", "v1"], in: dir)
            try expect(push.status == 0, "refused: \(push.err)")
        },
        Check(
            "R7.non-maintainer-state-rejected", "R7", .must,
            "A state by someone outside the maintainer set authorizes nothing"
        ) { c in
            let owner = c.actor("owner")
            let stranger = c.actor("stranger")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            _ = try await c.peer.publish(stranger.state(d, refs: [("refs/heads/main", c1)]))
            try await c.expectRefusedPush(
                ["push", "origin", "main"], in: dir, "a push authorized only by a stranger's state was accepted")
        },
        Check("R8.released-after-push", "R8", .must, "After the push the announcement and state are served") { c in
            let repo = try await c.servedRepository(c.actor("owner"), c.identifier())
            try expect(
                try await c.served([repo.announcement, repo.state]), "announcement or state not served after the push")
        },
        Check("R8.head-as-state-says", "R8", .must, "After the push HEAD is the branch the state names") { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            try await c.peer.git(["branch", "dev"], in: dir)
            try await c.accepted(
                owner.state(d, refs: [("refs/heads/main", c1), ("refs/heads/dev", c1)], head: "refs/heads/dev"), "state"
            )
            let push = try await c.peer.git(["push", "origin", "main", "dev"], in: dir)
            try expect(push.status == 0, "refused: \(push.err)")
            let ls = try await c.peer.git(["ls-remote", "--symref", c.cloneURL(owner, d), "HEAD"])
            try expect(
                ls.out.contains("ref: refs/heads/dev\tHEAD"),
                "HEAD is \(ls.out.split(separator: "\n").first ?? "unset")")
        },
        Check(
            "R8.copied-to-maintainers", "R8", .must,
            "After the push, other maintainers' repositories this state speaks for have the same refs"
        ) { c in
            let owner = c.actor("owner")
            let maint = c.actor("maintainer")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d, maintainers: [maint]), "owner's announcement")
            try await c.accepted(maint.announcement(d, maintainers: [owner]), "maintainer's announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            try await c.accepted(owner.state(d, refs: [("refs/heads/main", c1)]), "state")
            try expect(try await c.peer.git(["push", "origin", "main"], in: dir).status == 0, "the push was refused")
            let ls = try await c.peer.git(["ls-remote", c.cloneURL(maint, d)])
            try expect(
                ls.out.contains("\(c1)\trefs/heads/main"),
                "the maintainer's repository has \(ls.out.isEmpty ? "no refs" : ls.out)")
        },
        Check(
            "R8.copies-release-announcements", "R8", .must,
            "A maintainer's waiting announcement whose repository received the copy is released (served)"
        ) { c in
            let owner = c.actor("owner")
            let maint = c.actor("maintainer")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d, maintainers: [maint]), "owner's announcement")
            let theirs = maint.announcement(d, maintainers: [owner])
            try await c.accepted(theirs, "maintainer's announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            try await c.accepted(owner.state(d, refs: [("refs/heads/main", c1)]), "state")
            try expect(try await c.peer.git(["push", "origin", "main"], in: dir).status == 0, "the push was refused")
            try expect(try await c.served([theirs]), "the maintainer's announcement is still not served")
        },
        Check(
            "R8.pr-released-by-push", "R8", .must,
            "A waiting pull request is served once the push to `refs/nostr/<id>` brings its commit"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            let repo = try await c.servedRepository(owner, d)
            let c2 = try await c.peer.commit(repo.dir, "pr", "pull request\n")
            let pr = c.actor("contributor").pullRequest(owner: owner, d, commit: c2)
            try await c.accepted(pr, "pull request")
            let push = try await c.peer.git(["push", "origin", "HEAD:refs/nostr/\(pr.id)"], in: repo.dir)
            try expect(push.status == 0, "refused: \(push.err)")
            try expect(try await c.served([pr]), "the pull request is not served after its commit arrived")
        },
        Check(
            "R9.invalid-id-rejected", "R9", .should, "A push to `refs/nostr/<x>` where x is not an event id is refused"
        ) { c in
            let repo = try await c.servedRepository(c.actor("owner"), c.identifier())
            try await c.expectRefusedPush(
                ["push", "origin", "main:refs/nostr/not-an-event-id"], in: repo.dir,
                "accepted refs/nostr/not-an-event-id")
        },
        Check("R9.git-first-accepted", "R9", .must, "A push to `refs/nostr/<id>` of a PR not seen yet is accepted") {
            c in
            let owner = c.actor("owner")
            let d = c.identifier()
            let repo = try await c.servedRepository(owner, d)
            let c2 = try await c.peer.commit(repo.dir, "pr", "pull request\n")
            let pr = c.actor("contributor").pullRequest(owner: owner, d, commit: c2)
            let push = try await c.peer.git(["push", "origin", "HEAD:refs/nostr/\(pr.id)"], in: repo.dir)
            try expect(push.status == 0, "refused: \(push.err)")
        },
        Check(
            "R9.other-tip-rejected", "R9", .should,
            "A push to `refs/nostr/<id>` naming another commit than the waiting PR's `c` is refused"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            let repo = try await c.servedRepository(owner, d)
            let c2 = try await c.peer.commit(repo.dir, "pr", "pull request\n")
            let c3 = try await c.peer.commit(repo.dir, "pr2", "another\n")
            let pr = c.actor("contributor").pullRequest(owner: owner, d, commit: c2)
            try await c.accepted(pr, "pull request")
            try await c.expectRefusedPush(
                ["push", "origin", "\(c3):refs/nostr/\(pr.id)"], in: repo.dir, "accepted a tip the PR does not name")
        },
        Check(
            "R10.capabilities-v0", "R10", .must,
            "Over protocol v0 the advertisement has `allow-tip-sha1-in-want`, `allow-reachable-sha1-in-want` and `filter`"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            _ = try await c.servedRepository(owner, d)
            let r = try await c.peer.http("GET", "/\(owner.npub)/\(d).git/info/refs?service=git-upload-pack")
            let caps = CheckContext.capabilities(ofAdvertisement: r.body)
            for cap in ["allow-tip-sha1-in-want", "allow-reachable-sha1-in-want", "filter"] {
                try expect(caps.contains(cap), "not advertised: \(cap) (capabilities: \(caps.sorted()))")
            }
        },
        Check("R10.reachable-by-id", "R10", .must, "A commit reachable from an advertised tip can be fetched by id") {
            c in
            try await fetchReachableByID(c, protocolVersion: 0)
        },
        Check("R10.fetch-by-id-v2", "R10", .must, "Over protocol v2 a commit reachable from a tip can be fetched by id")
        { c in
            try await fetchReachableByID(c, protocolVersion: 2)
        },
        Check(
            "R10.partial-clone", "R10", .should,
            "A partial clone with `--filter=blob:none` (protocol v2) leaves blobs out"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            let repo = try await c.servedRepository(owner, d)
            try await c.expectPartialClone(owner, d, filter: "blob:none", tip: repo.commit)
        },
        Check(
            "R10.partial-clone-tree0", "R10", .should,
            "A partial clone with `--filter=tree:0` (protocol v2) leaves trees out"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            let repo = try await c.servedRepository(owner, d)
            try await c.expectPartialClone(owner, d, filter: "tree:0", tip: repo.commit)
        },
        Check(
            "R10.unreachable-refused", "R10", .should,
            "A commit the repository holds but no ref reaches is not served by id (reachable ones only)"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            let repo = try await c.servedRepository(owner, d)
            // A new history replaces main: the first commit stays in the repository, unreachable.
            try await c.peer.git(["checkout", "-q", "--orphan", "fresh"], in: repo.dir)
            let c2 = try await c.peer.commit(repo.dir, "other", "another history\n")
            try await c.accepted(
                owner.state(d, refs: [("refs/heads/main", c2)], createdAt: Int64(Date().timeIntervalSince1970) + 2),
                "newer state")
            let push = try await c.peer.git(["push", "-f", "origin", "fresh:main"], in: repo.dir)
            try expect(push.status == 0, "the push of the newer state was refused: \(push.err)")
            let fresh = try await c.peer.workdir()
            try await c.peer.git(["remote", "add", "origin", c.cloneURL(owner, d)], in: fresh)
            let f = try await c.peer.git(["-c", "protocol.version=0", "fetch", "origin", repo.commit], in: fresh)
            try expect(f.status != 0, "fetched \(repo.commit.prefix(8)) by id although no ref reaches it")
        },
        Check(
            "R11.cors", "R11", .must,
            "Every response carries `Access-Control-Allow-Origin: *` (NIP-11, web page, git GET and POST, 404)"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            _ = try await c.servedRepository(owner, d)
            let answers = [
                try await c.peer.http("GET", "/", headers: ["Accept": "application/nostr+json"]),
                try await c.peer.http("GET", "/\(owner.npub)/\(d).git", headers: ["Accept": "text/html"]),
                try await c.peer.http("GET", "/\(owner.npub)/\(d).git/info/refs?service=git-upload-pack"),
                try await c.peer.http(
                    "POST", "/\(owner.npub)/\(d).git/git-upload-pack",
                    headers: ["Content-Type": "application/x-git-upload-pack-request"], body: Data("0000".utf8)),
                try await c.peer.http("GET", "/\(owner.npub)/no-such-\(d).git/info/refs?service=git-upload-pack"),
            ]
            for a in answers {
                try expect(
                    a.header("Access-Control-Allow-Origin") == "*",
                    "a \(a.status) answer without Access-Control-Allow-Origin: *")
            }
        },
        Check(
            "R11.cors-methods-headers", "R11", .must,
            "CORS allows the methods GET and POST and the header Content-Type (a superset, `*` included, is fine)"
        ) { c in
            let r = try await c.peer.http("GET", "/", headers: ["Accept": "application/nostr+json"])
            let methods = (r.header("Access-Control-Allow-Methods") ?? "").uppercased()
            let headers = (r.header("Access-Control-Allow-Headers") ?? "").lowercased()
            try expect(
                methods == "*" || (methods.contains("GET") && methods.contains("POST")),
                "Access-Control-Allow-Methods: \(methods)")
            try expect(headers == "*" || headers.contains("content-type"), "Access-Control-Allow-Headers: \(headers)")
        },
        Check("R11.options-204", "R11", .must, "OPTIONS is answered 204 with CORS headers") { c in
            let owner = c.actor("owner")
            let r = try await c.peer.http("OPTIONS", "/\(owner.npub)/\(c.identifier()).git/info/refs")
            try expect(r.status == 204, "OPTIONS answered \(r.status)")
            try expect(r.header("Access-Control-Allow-Origin") == "*", "no Access-Control-Allow-Origin: *")
        },
        Check("R12.unknown-repo-404", "R12", .should, "An unknown repository is a 404") { c in
            let r = try await c.peer.http(
                "GET", "/\(c.actor("nobody").npub)/\(c.identifier()).git/info/refs?service=git-upload-pack")
            try expect(r.status == 404, "answered \(r.status)")
        },
        Check("R12.web-page", "R12", .should, "The repository URL serves a web page") { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            _ = try await c.servedRepository(owner, d)
            let r = try await c.peer.http("GET", "/\(owner.npub)/\(d).git", headers: ["Accept": "text/html"])
            try expect(
                r.status == 200 && (r.header("Content-Type") ?? "").contains("text/html"),
                "answered \(r.status) \(r.header("Content-Type") ?? "")")
        },
    ]
}
