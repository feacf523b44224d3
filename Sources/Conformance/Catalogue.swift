import Foundation
import Nostr

/// Every check, in report order. Requirement ids follow SPEC §3 (GRASP-01 R1–R12) and NIP-01.
public enum Catalogue {
    public static let checks: [Check] = nip01 + grasp + slow

    // MARK: GRASP-01

    static let grasp: [Check] = graspEvents + graspGit

    /// R1–R6: events, purgatory and NIP-11.
    static let graspEvents: [Check] = [
        Check(
            "R1.announcement-accepted", "R1", .must,
            "The relay at `/` accepts a repository announcement (30617) that lists it"
        ) { c in
            try await c.accepted(c.actor("owner").announcement(c.identifier()), "announcement")
        },
        Check("R1.state-accepted", "R1", .must, "The relay accepts a state (30618) for an accepted announcement") { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let (_, c1) = try await c.workdir(owner, d)
            try await c.accepted(owner.state(d, refs: [("refs/heads/main", c1)]), "state")
        },
        Check(
            "R2.not-listing-rejected", "R2", .must,
            "An announcement that does not list this service in `clone` and `relays` is refused, with a standard prefix"
        ) { c in
            let e = c.actor("owner").announcement(c.identifier(), listsService: false)
            let ok = try unwrap(try await c.peer.publish(e), "no OK")
            try expect(!ok.accepted, "accepted an announcement that lists another host only")
            try expect(hasStandardPrefix(ok.message), "refusal without a standard prefix: \"\(ok.message)\"")
        },
        Check(
            "R2.maintainer-exception", "R2", .must,
            "A maintainer of a repository accepted here may announce a copy hosted elsewhere"
        ) { c in
            let owner = c.actor("owner")
            let maint = c.actor("maintainer")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d, maintainers: [maint]), "owner's announcement")
            try await c.accepted(
                maint.announcement(d, listsService: false), "maintainer's announcement hosted elsewhere")
        },
        Check("R3.issue-accepted", "R3", .must, "An issue tagging an accepted announcement is accepted and served") {
            c in
            let owner = c.actor("owner")
            let d = c.identifier()
            _ = try await c.servedRepository(owner, d)
            let issue = c.actor("reporter").signed(.issue(repoOwner: owner.pubkey, identifier: d, subject: "bug"))
            try await c.accepted(issue, "issue")
            try expect(try await c.served([issue]), "the accepted issue is not served")
        },
        Check("R3.reply-e-tag", "R3", .must, "An event tagging an accepted issue with `e` is accepted and served") {
            c in
            let issue = try await acceptedIssue(c)
            try await c.relatedAccepted(
                c.actor("replier").event(1, [["e", issue.id, "", "root"]], content: "reply"), "reply")
        },
        Check(
            "R3.comment-root-E", "R3", .must,
            "A comment whose only reference is an `E` tag naming an accepted issue is accepted and served"
        ) { c in
            let issue = try await acceptedIssue(c)
            let comment = c.actor("commenter").event(
                1111, [["E", issue.id], ["K", "1621"], ["P", issue.pubkey]], content: "comment")
            try await c.relatedAccepted(comment, "comment")
        },
        Check(
            "R3.comment-root-A", "R3", .must,
            "A comment whose only reference is an `A` tag naming an accepted announcement is accepted and served"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            _ = try await c.servedRepository(owner, d)
            let comment = c.actor("commenter").event(
                1111,
                [["A", repoCoordinate(owner: owner.pubkey, identifier: d)], ["K", "30617"], ["P", owner.pubkey]],
                content: "comment")
            try await c.relatedAccepted(comment, "comment")
        },
        Check("R3.quote-q-tag", "R3", .must, "An event quoting an accepted issue with `q` is accepted and served") {
            c in
            let issue = try await acceptedIssue(c)
            try await c.relatedAccepted(c.actor("quoter").event(1, [["q", issue.id]], content: "quote"), "quote")
        },
        Check(
            "R3.tagged-by-issue", "R3", .must,
            "An event an accepted issue tags is accepted and served, though it tags nothing itself"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            _ = try await c.servedRepository(owner, d)
            let note = c.actor("author").event(1, [], content: "the issue quotes this note")
            let issue = c.actor("reporter").event(
                1621,
                [
                    ["a", repoCoordinate(owner: owner.pubkey, identifier: d)], ["q", note.id], ["subject", "see note"],
                ],
                content: "see the quoted note")
            try await c.accepted(issue, "issue")
            try await c.relatedAccepted(note, "note the issue tags")
        },
        Check(
            "R3.orphan-choice", "R3", .may,
            "An event related to nothing here is either refused with a standard prefix or accepted and served"
        ) { c in
            let orphan = c.actor("stranger").event(1, [], content: "related to nothing")
            let ok = try unwrap(try await c.peer.publish(orphan), "no OK for an unrelated event")
            if ok.accepted {
                try expect(try await c.served([orphan]), "the unrelated event was accepted but is not served")
                c.finding("accepts orphans")
            } else {
                try expect(hasStandardPrefix(ok.message), "refusal without a standard prefix: \"\(ok.message)\"")
                c.finding("refuses orphans: \(ok.message)")
            }
        },
        Check(
            "R4.purgatory-message", "R4", .should,
            "A new announcement is accepted with `purgatory: won't be served until git data arrives`"
        ) { c in
            let ann = c.actor("owner").announcement(c.identifier())
            let message = try await c.accepted(ann, "announcement")
            if !message.hasPrefix("purgatory:") {
                let served = try await c.peer.query(Filter(ids: [ann.id])).isEmpty == false
                throw CheckFailed(description: "OK message \"\(message)\"", divergence: served ? noPurgatory : nil)
            }
        },
        Check(
            "R4.hidden-until-push", "R4", .should,
            "A new announcement and state are not served before their git data arrives"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            let ann = owner.announcement(d)
            try await c.accepted(ann, "announcement")
            let (_, c1) = try await c.workdir(owner, d)
            let st = owner.state(d, refs: [("refs/heads/main", c1)])
            try await c.accepted(st, "state")
            let got = try await c.peer.query(Filter(ids: [ann.id, st.id]))
            if !got.isEmpty {
                throw CheckFailed(
                    description: "served before any push: \(got.map { "kind \($0.kind)" })", divergence: noPurgatory)
            }
        },
        Check("R4.pr-waits", "R4", .should, "A new pull request is accepted but not served before its commit arrives") {
            c in
            let owner = c.actor("owner")
            let d = c.identifier()
            let repo = try await c.servedRepository(owner, d)
            let c2 = try await c.peer.commit(repo.dir, "pr", "pull request\n")
            let pr = c.actor("contributor").pullRequest(owner: owner, d, commit: c2)
            try await c.accepted(pr, "pull request")
            if try await !c.peer.query(Filter(ids: [pr.id])).isEmpty {
                throw CheckFailed(
                    description: "the pull request is served before its commit arrived", divergence: noPurgatory)
            }
        },
        Check(
            "R4.pr-update-waits", "R4", .should,
            "A pull-request update (1619) waits for its commit and is served after the push to `refs/nostr/<update id>`"
        ) { c in
            let owner = c.actor("owner")
            let contributor = c.actor("contributor")
            let d = c.identifier()
            let repo = try await c.servedRepository(owner, d)
            let c2 = try await c.peer.commit(repo.dir, "pr", "pull request\n")
            let pr = contributor.pullRequest(owner: owner, d, commit: c2)
            try await c.accepted(pr, "pull request")
            try expect(
                try await c.peer.git(["push", "origin", "HEAD:refs/nostr/\(pr.id)"], in: repo.dir).status == 0,
                "the push of the pull request's commit was refused")
            let c3 = try await c.peer.commit(repo.dir, "pr", "pull request, revised\n")
            let update = contributor.event(
                1619,
                [
                    ["a", repoCoordinate(owner: owner.pubkey, identifier: d)], ["E", pr.id], ["c", c3],
                    ["p", owner.pubkey],
                ])
            try await c.accepted(update, "pull-request update")
            try expect(
                try await c.peer.query(Filter(ids: [update.id])).isEmpty,
                "the update is served before its commit arrived")
            let push = try await c.peer.git(["push", "origin", "HEAD:refs/nostr/\(update.id)"], in: repo.dir)
            try expect(push.status == 0, "the push of the update's commit was refused: \(push.err)")
            try expect(try await c.served([update]), "the update is not served after its commit arrived")
        },
        Check(
            "R4.replacement-stays-hidden", "R4", .should,
            "A newer version of a waiting announcement replaces it and also waits for git data"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let newer = owner.event(
                30617,
                [["d", d], ["name", "renamed"], ["clone", c.cloneURL(owner, d)], ["relays", c.peer.target.relay]],
                createdAt: Int64(Date().timeIntervalSince1970) + 2)
            try await c.accepted(newer, "replacement")
            try expect(
                try await c.peer.query(Filter(ids: [newer.id])).isEmpty, "the replacement is served with no git data")
        },
        Check(
            "R4.deletion-removes-waiting-state", "R4", .should,
            "A NIP-09 deletion of a waiting state removes it: a push matching it is then refused"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            let st = owner.state(d, refs: [("refs/heads/main", c1)])
            try await c.accepted(st, "state")
            try await c.accepted(owner.signed(.deletion([.event(id: st.id, kind: Kinds.repoState)])), "deletion")
            try await c.expectRefusedPush(
                ["push", "origin", "main"], in: dir, "a push matching a deleted state was accepted")
        },
        Check(
            "R4.deletion-by-coordinate", "R4", .should,
            "A NIP-09 deletion by coordinate (`a` tag) removes a waiting state of that coordinate"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            try await c.accepted(
                owner.state(d, refs: [("refs/heads/main", c1)], createdAt: Int64(Date().timeIntervalSince1970) - 5),
                "state")
            try await c.accepted(
                owner.signed(
                    .deletion([
                        .coordinate(
                            ReplacementKey(kind: Kinds.repoState, pubkey: owner.pubkey, d: d).description,
                            kind: Kinds.repoState)
                    ])), "deletion")
            try await c.expectRefusedPush(
                ["push", "origin", "main"], in: dir, "a push matching a state deleted by coordinate was accepted")
        },
        Check("R5.supported-grasps", "R5", .must, "NIP-11 lists `supported_grasps` including GRASP-01") { c in
            let r = try await c.peer.http("GET", "/", headers: ["Accept": "application/nostr+json"])
            try expect(r.status == 200, "NIP-11 answered \(r.status)")
            let doc = try unwrap(
                try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any],
                "NIP-11 is not a JSON object")
            let grasps = try unwrap(doc["supported_grasps"] as? [String], "no supported_grasps array")
            try expect(grasps.contains("GRASP-01"), "supported_grasps \(grasps)")
        },
        Check("R5.acceptance-criteria", "R5", .must, "NIP-11 has `repo_acceptance_criteria` as a string") { c in
            let r = try await c.peer.http("GET", "/", headers: ["Accept": "application/nostr+json"])
            let doc = try unwrap(
                try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any],
                "NIP-11 is not a JSON object")
            try expect(doc["repo_acceptance_criteria"] is String, "repo_acceptance_criteria missing or not a string")
        },
        Check(
            "R6.purgatory-repo-served", "R6", .must,
            "Git smart HTTP serves a repository whose announcement waits in purgatory"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let ls = try await c.peer.git(["ls-remote", c.cloneURL(owner, d)])
            try expect(ls.status == 0, "git ls-remote failed: \(ls.err)")
        },
        Check(
            "R6.percent-encoded-identifier", "R6", .must,
            "A repository whose identifier needs percent-encoding is served at the encoded path"
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier("with space")
            let encoded =
                d.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
                ?? d
            let url = "\(c.peer.target.http)/\(owner.npub)/\(encoded).git"
            try await c.accepted(
                owner.event(30617, [["d", d], ["clone", url], ["relays", c.peer.target.relay]]), "announcement")
            let ls = try await c.peer.git(["ls-remote", url])
            try expect(ls.status == 0, "git ls-remote of the encoded path failed: \(ls.err)")
        },
    ]

    /// SPEC §9: some implementations have no purgatory at all.
    static let noPurgatory = "no purgatory: served at once (as ngit-relay and khatru/grasp do)"

    /// An issue accepted for a served repository of this check.
    static func acceptedIssue(_ c: CheckContext) async throws -> NostrEvent {
        let owner = c.actor("owner")
        let d = c.identifier()
        _ = try await c.servedRepository(owner, d)
        let issue = c.actor("reporter").signed(.issue(repoOwner: owner.pubkey, identifier: d, subject: "bug"))
        try await c.accepted(issue, "issue")
        return issue
    }

    /// Pushes two commits with their state, then fetches the first (reachable, not a tip)
    /// by id into a fresh repository over the given protocol version.
    static func fetchReachableByID(_ c: CheckContext, protocolVersion: Int) async throws {
        let owner = c.actor("owner")
        let d = c.identifier()
        try await c.accepted(owner.announcement(d), "announcement")
        let (dir, c1) = try await c.workdir(owner, d)
        let c2 = try await c.peer.commit(dir, "second", "two\n")
        try await c.accepted(owner.state(d, refs: [("refs/heads/main", c2)]), "state")
        try expect(try await c.peer.git(["push", "origin", "main"], in: dir).status == 0, "the push was refused")
        let fresh = try await c.peer.workdir()
        try await c.peer.git(["remote", "add", "origin", c.cloneURL(owner, d)], in: fresh)
        let f = try await c.peer.git(["-c", "protocol.version=\(protocolVersion)", "fetch", "origin", c1], in: fresh)
        try expect(f.status == 0, "fetching \(c1.prefix(8)) by id over protocol v\(protocolVersion) failed: \(f.err)")
    }
}
