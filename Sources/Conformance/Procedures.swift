/// What each check sends and what it expects back, in a line (docs/conformance.md's
/// catalogue is generated from this and `Check.requirement` by `graspsim conform --list
/// --markdown`; a test keeps the two in step).
public enum Procedures {
    public static let byID: [String: String] = [
        "NIP-01.req-eose": "REQ for an id nobody has; expects EOSE for that subscription",
        "NIP-01.bad-signature": "an announcement with a zeroed `sig`; expects OK false `invalid:`",
        "NIP-01.bad-id": "an announcement whose content changed after signing; expects OK false `invalid:`",
        "NIP-01.invalid-json": "a text frame that is not JSON, then a REQ; expects a NOTICE and the REQ's EOSE",
        "NIP-01.addressable-tie-break":
            "two versions with equal created_at (states of a served repository, or kind 30078 on a plain relay), higher id first, then in a second round lower id first; expects only the lowest id served each time",
        "NIP-01.limit-newest-first":
            "three issues one second apart, then REQ with `limit: 2`; expects the two newest, newest first",
        "R1.announcement-accepted": "an announcement listing the server in `clone` and `relays`; expects OK true",
        "R1.state-accepted": "an announcement, then a state for it; expects OK true for both",
        "R2.not-listing-rejected": "an announcement listing only another host; expects OK false with a standard prefix",
        "R2.maintainer-exception":
            "owner's announcement naming a maintainer, then the maintainer's announcement listing another host; expects OK true for both",
        "R3.issue-accepted":
            "a served repository, then an issue (1621) with its `a` tag; expects OK true and the issue served",
        "R3.reply-e-tag":
            "an issue, then a kind-1 reply whose only reference is `e` to the issue; expects OK true and the reply served",
        "R3.comment-root-E":
            "an issue, then a comment (1111) whose only reference is `E` to the issue; expects OK true and the comment served",
        "R3.comment-root-A":
            "a served repository, then a comment (1111) whose only reference is `A` to its announcement; expects OK true and served",
        "R3.quote-q-tag":
            "an issue, then a kind-1 note whose only reference is `q` to the issue; expects OK true and served",
        "R3.tagged-by-issue":
            "an issue that `q`-tags a note not yet sent, then the note (no tags of its own); expects the note accepted and served",
        "R3.orphan-choice":
            "a kind-1 note related to nothing; expects either OK false with a standard prefix or OK true and the note served (the choice is reported)",
        "R4.purgatory-message":
            "a new announcement; expects OK true with `purgatory:` (a server that serves it at once is reported as having no purgatory)",
        "R4.hidden-until-push": "an announcement and a state, no push; expects a REQ for their ids to return nothing",
        "R4.pr-waits":
            "a served repository, then a pull request (1618) naming a commit not pushed; expects OK true and the PR not served",
        "R4.pr-update-waits":
            "a PR released by its push, then an update (1619) naming a new commit; expects it hidden, and served after the push to `refs/nostr/<update id>`",
        "R4.replacement-stays-hidden":
            "an announcement, then a newer version of it, no push; expects OK true and the newer version not served",
        "R4.deletion-removes-waiting-state":
            "an announcement and a state, then a NIP-09 deletion (`e`) of the state; expects the push the state named to be refused",
        "R4.deletion-by-coordinate":
            "an announcement and a state, then a NIP-09 deletion by `a` coordinate; expects the push the state named to be refused",
        "R5.supported-grasps":
            "GET / with `Accept: application/nostr+json`; expects 200 and `supported_grasps` containing GRASP-01",
        "R5.acceptance-criteria": "the same NIP-11 request; expects `repo_acceptance_criteria` as a string",
        "R6.purgatory-repo-served": "an announcement only; expects `git ls-remote` of its clone URL to succeed",
        "R6.percent-encoded-identifier":
            "an announcement whose identifier has a space; expects `git ls-remote` of the percent-encoded URL to succeed",
        "R7.no-state-rejected":
            "an announcement, then `git push` with no state; expects git to report the server's refusal",
        "R7.owner-state-accepted": "announcement, owner's state naming the commit, `git push`; expects success",
        "R7.wrong-commit-rejected": "a state naming one commit, then a push of another; expects the server's refusal",
        "R7.maintainer-state-accepted":
            "owner's announcement naming a maintainer, the maintainer's state, a push to the owner's repository; expects success",
        "R7.recursive-maintainer-accepted":
            "owner names M1, M1's announcement names M2, M2's state, a push to the owner's repository; expects success",
        "R7.noop-push-accepted":
            "a served repository, then a hand-made receive-pack request updating main from its tip to its tip (empty pack); expects `ok refs/heads/main`",
        "R7.peeled-entries-ignored":
            "a state listing an annotated tag and its `^{}` entry, a push of branch and tag; expects success",
        "R7.non-maintainer-state-rejected":
            "an announcement, a stranger's state naming the commit, a push; expects the server's refusal",
        "R8.released-after-push": "announcement, state, push; expects both events served",
        "R8.head-as-state-says":
            "a state with two branches and `HEAD` on dev, a push; expects `ls-remote --symref` to show HEAD → refs/heads/dev",
        "R8.copied-to-maintainers":
            "owner and maintainer announce the same identifier, owner's state and push; expects the maintainer's repository to have the commit on main",
        "R8.copies-release-announcements": "as above; expects the maintainer's waiting announcement served",
        "R8.pr-released-by-push":
            "a pull request naming a new commit, then the push to `refs/nostr/<pr id>`; expects the push accepted and the PR served",
        "R9.invalid-id-rejected": "a push to `refs/nostr/not-an-event-id`; expects the server's refusal",
        "R9.git-first-accepted": "a push to `refs/nostr/<id>` of a PR never sent; expects success",
        "R9.other-tip-rejected":
            "a waiting PR naming one commit, a push of another to its `refs/nostr/<id>`; expects the server's refusal",
        "R10.capabilities-v0":
            "GET `info/refs?service=git-upload-pack` (protocol v0); expects `allow-tip-sha1-in-want`, `allow-reachable-sha1-in-want` and `filter`",
        "R10.reachable-by-id": "two commits pushed, then `git fetch origin <first>` over protocol v0; expects success",
        "R10.fetch-by-id-v2": "the same fetch by id over protocol v2; expects success",
        "R10.partial-clone":
            "`git clone --no-checkout --filter=blob:none` over v2; expects HEAD at the tip and some objects missing",
        "R10.partial-clone-tree0":
            "`git clone --no-checkout --filter=tree:0` over v2; expects HEAD at the tip and some objects missing",
        "R10.unreachable-refused":
            "a new history force-pushed with its state, then a fetch by id of the old, unreachable commit over v0; expects failure",
        "R11.cors":
            "NIP-11, the web page, a v0 advertisement, a POST to git-upload-pack, an unknown repository; expects `Access-Control-Allow-Origin: *` on each",
        "R11.cors-methods-headers":
            "the NIP-11 request; expects Allow-Methods with GET and POST (or `*`) and Allow-Headers with Content-Type (or `*`)",
        "R11.options-204": "OPTIONS on a git path; expects 204 with `Access-Control-Allow-Origin: *`",
        "R12.unknown-repo-404": "GET `info/refs` of a repository nobody announced; expects 404",
        "R12.web-page": "GET the repository URL with `Accept: text/html`; expects 200 and an HTML content type",
        "R4.kept-until-ttl": "announcement and state, wait 0.8 × ttl, push; expects success",
        "R4.revived-by-state":
            "an announcement, wait ttl + margin (repository gone), then a state; expects `ls-remote` to succeed again",
        "R4.expires":
            "a control repository (served) and an announcement without data, wait ttl + margin; expects the control served and the other repository gone",
    ]

    /// The catalogue as a markdown table (docs/conformance.md).
    public static func markdown() -> String {
        var out = "| id | level | slow | requirement | sends → expects |\n|---|---|---|---|---|\n"
        for c in Catalogue.checks {
            out +=
                "| `\(c.id)` | \(c.level.rawValue) | \(c.slow ? "yes" : "") | \(c.requirement) | \(byID[c.id] ?? "") |\n"
        }
        return out
    }
}
