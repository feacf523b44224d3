import Foundation
import SimKernel
import Yams

/// Decoding expectations (see `ScenarioDecoder`).
extension ScenarioDecoder {
    func decodeExpectations(_ node: Node) -> [Expectation] {
        let r = reader
        guard let items = r.list(node, "'expect'") else { return [] }
        var out: [Expectation] = []
        for item in items {
            guard let f = r.fields(item, "an expectation", known: ExpectationKind.keywords) else { continue }
            guard let e = f.entries.first else {
                r.error(f.location, "an expectation needs one of: \(ExpectationKind.keywords.joined(separator: ", "))")
                continue
            }
            for extra in f.entries.dropFirst() {
                r.error(extra.keyNode, "each expectation is its own list item; start '\(extra.key)' on a new '- ' line")
            }
            if let kind = decodeExpectation(e) { out.append(Expectation(kind: kind, location: r.location(item))) }
        }
        return out
    }

    func decodeExpectation(_ e: Fields.Entry) -> ExpectationKind? {
        let r = reader
        let v = e.value
        let publishes: (StepSpec) -> String? = { t in
            t.action.publishesEvent
                ? nil
                : "'\(e.key)' is about a published event, but step '\(t.id)' is \(t.action.keywordWithArticle) step"
        }
        let purgatory: (StepSpec) -> String? = { t in
            switch t.action {
            case .announce, .state, .pullRequest: return nil
            default:
                return
                    "'expired' is about an announcement, state or pull request, but step '\(t.id)' is \(t.action.keywordWithArticle) step"
            }
        }
        let attempts: (StepSpec) -> String? = { t in
            switch t.action {
            case .clone, .shutdown, .crash, .restart, .reconcile:
                return
                    "'\(e.key)' is about a push or a publish, but step '\(t.id)' is \(t.action.keywordWithArticle) step"
            default: return nil
            }
        }
        /// `key: step` or `key: { step: x, <extra> }`.
        func stepTarget(_ extra: [String], _ check: @escaping (StepSpec) -> String?) -> (String, Fields?)? {
            if case .scalar = v {
                guard let id = r.text(v, "'\(e.key)'") else { return nil }
                ref(.step(check), id, v)
                return (id, nil)
            }
            guard let f = r.fields(v, "'\(e.key)'", known: ["step"] + extra) else { return nil }
            guard let n = f["step"] else {
                r.error(f.location, "missing required key 'step' in '\(e.key)'")
                return nil
            }
            guard let id = r.text(n, "'step'") else { return nil }
            ref(.step(check), id, n)
            return (id, f)
        }
        func repoTarget(_ extra: [String], allowShorthand: Bool) -> (String, String?, Fields?)? {
            if allowShorthand, case .scalar = v {
                guard let repo = r.text(v, "'\(e.key)'") else { return nil }
                ref(.repo, repo, v)
                return (repo, nil, nil)
            }
            guard let f = r.fields(v, "'\(e.key)'", known: ["repo", "owner"] + extra) else { return nil }
            guard let n = f["repo"] else {
                r.error(f.location, "missing required key 'repo' in '\(e.key)'")
                return nil
            }
            guard let repo = r.text(n, "'repo'") else { return nil }
            ref(.repo, repo, n)
            var owner: String?
            if let o = f["owner"], let t = r.text(o, "'owner'") {
                ref(.actor, t, o)
                owner = t
            }
            return (repo, owner, f)
        }
        switch e.key {
        case "served":
            guard let (id, f) = stepTarget(["by"], publishes) else { return nil }
            var by: SimDuration?
            if let n = f?["by"] { by = r.duration(n, "'by'") }
            return .served(step: id, by: by)
        case "not_served":
            guard let (id, _) = stepTarget([], publishes) else { return nil }
            return .notServed(step: id)
        case "accepted":
            guard let (id, _) = stepTarget([], attempts) else { return nil }
            return .accepted(step: id)
        case "rejected":
            guard let (id, f) = stepTarget(["reason"], attempts) else { return nil }
            var reason: String?
            if let n = f?["reason"] { reason = r.text(n, "'reason'") }
            return .rejected(step: id, reason: reason)
        case "expired":
            guard let (id, f) = stepTarget(["between"], purgatory) else { return nil }
            var lo: SimDuration?
            var hi: SimDuration?
            if let n = f?["between"], let (l, h, _) = r.durationRange(n, "'between'") {
                lo = l
                hi = h
            }
            return .expired(step: id, lo: lo, hi: hi)
        case "refs":
            guard let (repo, owner, f) = repoTarget(["equals"], allowShorthand: false), let f else { return nil }
            guard let n = f["equals"] else {
                r.error(f.location, "missing required key 'equals' in 'refs' (the exact refs expected; {} for none)")
                return nil
            }
            let refs = decodeRefMap(n, repo: repo, allowDelete: false, what: "an expected ref list")
            return .refs(repo: repo, owner: owner, refs: refs)
        case "head":
            guard let (repo, owner, f) = repoTarget(["equals"], allowShorthand: false), let f else { return nil }
            guard let n = f["equals"] else {
                r.error(f.location, "missing required key 'equals' in 'head'")
                return nil
            }
            guard let h = r.text(n, "'equals'") else { return nil }
            if !h.hasPrefix("refs/heads/") {
                r.error(n, "'head' must be a branch ref (refs/heads/...), found '\(h)'")
            } else if let p = RefName.problem(h, branchOrTag: true) {
                r.error(n, p)
            }
            return .head(repo: repo, owner: owner, ref: h)
        case "repo_absent":
            guard let (repo, owner, _) = repoTarget([], allowShorthand: true) else { return nil }
            return .repoAbsent(repo: repo, owner: owner)
        case "reconciled":
            guard let f = r.fields(v, "'reconciled'", known: ["repo", "outcome"]) else { return nil }
            var repo: String?
            if let n = f["repo"] {
                repo = r.text(n, "'repo'")
                if let repo {
                    ref(
                        .repoWhere({ spec in
                            spec.upstream == nil
                                ? "'reconciled' is about reconciliation with an upstream, but repo '\(spec.name)' has no 'upstream'"
                                : nil
                        }), repo, n)
                }
            } else {
                r.error(f.location, "missing required key 'repo' in 'reconciled'")
            }
            var outcome: String?
            if let n = f["outcome"] {
                if let o = r.text(n, "'outcome'") {
                    if Self.reconcileOutcomes.contains(o) {
                        outcome = o
                    } else {
                        var m = "unknown reconciliation outcome '\(o)'"
                        if let near = Suggest.closest(to: o, among: Self.reconcileOutcomes) {
                            m += "; did you mean '\(near)'?"
                        } else {
                            m += " (outcomes: \(Self.reconcileOutcomes.joined(separator: ", ")))"
                        }
                        r.error(n, m)
                    }
                }
            } else {
                r.error(
                    f.location,
                    "missing required key 'outcome' in 'reconciled' (one of: \(Self.reconcileOutcomes.joined(separator: ", ")))"
                )
            }
            guard let repo, let outcome else { return nil }
            return .reconciled(repo: repo, outcome: outcome)
        case "remote_refs":
            guard let f = r.fields(v, "'remote_refs'", known: ["domain", "repo", "equals"]) else { return nil }
            var domain: String?
            if let n = f["domain"] {
                domain = r.text(n, "'domain'")
                if let domain { ref(.remote, domain, n) }
            } else {
                r.error(f.location, "missing required key 'domain' in 'remote_refs' (the domain of a 'remotes' entry)")
            }
            var repo: String?
            if let n = f["repo"] {
                repo = r.text(n, "'repo'")
                if let repo { ref(.repo, repo, n) }
            } else {
                r.error(f.location, "missing required key 'repo' in 'remote_refs'")
            }
            guard let n = f["equals"] else {
                r.error(
                    f.location, "missing required key 'equals' in 'remote_refs' (the exact refs expected; {} for none)")
                return nil
            }
            let refs = decodeRefMap(
                n, repo: repo, allowDelete: false, what: "an expected ref list", allowWildcard: true)
            guard let domain, let repo else { return nil }
            return .remoteRefs(domain: domain, repo: repo, refs: refs)
        case "sync_fetches":
            guard let f = r.fields(v, "'sync_fetches'", known: ["repo", "min", "max"]) else { return nil }
            var repo: String?
            if let n = f["repo"] {
                repo = r.text(n, "'repo'")
                if let repo { ref(.repo, repo, n) }
            } else {
                r.error(f.location, "missing required key 'repo' in 'sync_fetches'")
            }
            func count(_ key: String) -> Int? {
                guard let n = f[key], let c = r.integer(n, "'\(key)'") else { return nil }
                if c < 0 {
                    r.error(n, "'\(key)' must not be negative, found \(c)")
                    return nil
                }
                return Int(clamping: c)
            }
            let lo = count("min")
            let hi = count("max")
            if !f.has("min") && !f.has("max") {
                r.error(f.location, "'sync_fetches' needs 'min' and/or 'max' (bounds on the number of sync fetches)")
            }
            if let lo, let hi, lo > hi, let n = f["max"] {
                r.error(n, "'max' (\(hi)) is less than 'min' (\(lo))")
            }
            guard let repo else { return nil }
            return .syncFetches(repo: repo, min: lo, max: hi)
        default:
            return nil
        }
    }

    /// What `reconciled:` accepts (the reconciler's outcome names, docs/sync.md).
    static let reconcileOutcomes = [
        "in-sync", "fast-forwarded", "pushed-ahead", "rebased", "conflict-escaped", "fetch-failed",
    ]
}
