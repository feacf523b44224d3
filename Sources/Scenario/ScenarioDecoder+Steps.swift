import Foundation
import SimKernel
import Yams

/// Decoding steps, their timing and actions (see `ScenarioDecoder`).
extension ScenarioDecoder {
    static let stepKeys = ["id", "at", "after", "delay", "actor", "retry", "by", "via"] + StepAction.keywords
    /// Actions whose event may arrive from another relay (`via: sync`).
    static let syncableActions = ["announce", "state", "pull_request", "issue"]

    func decodeSteps(_ node: Node) -> [StepSpec] {
        let r = reader
        guard let items = r.list(node, "'steps'") else { return [] }
        // Flatten groups first: positions (and generated ids) count every step.
        var flat: [(node: Node, within: (SimDuration, SimDuration)?)] = []
        for item in items {
            if case .mapping(let m) = item, m["group"] != nil {
                guard let g = r.fields(item, "a group", known: ["group", "steps"]) else { continue }
                var within: (SimDuration, SimDuration)?
                if let gn = g["group"], let gf = r.fields(gn, "'group'", known: ["within"]) {
                    if let w = gf["within"] {
                        if let (lo, hi, _) = r.durationRange(w, "'within'") { within = (lo, hi) }
                    } else {
                        r.error(
                            gf.location,
                            "missing required key 'within' in 'group' (the window its steps fall in, e.g. 0s..5m)")
                    }
                }
                guard let sn = g["steps"] else {
                    r.error(g.location, "missing required key 'steps' in a group")
                    continue
                }
                guard let inner = r.list(sn, "a group's 'steps'") else { continue }
                for i in inner {
                    if case .mapping(let im) = i, im["group"] != nil {
                        r.error(i, "groups cannot be nested")
                        continue
                    }
                    flat.append((i, within ?? (0, 0)))
                }
                continue
            }
            flat.append((item, nil))
        }
        var out: [StepSpec] = []
        for (index, entry) in flat.enumerated() {
            if let step = decodeStep(entry.node, position: index + 1, flatIndex: out.count, within: entry.within) {
                out.append(step)
            }
        }
        return out
    }

    func decodeStep(_ node: Node, position: Int, flatIndex: Int, within: (SimDuration, SimDuration)?) -> StepSpec? {
        let r = reader
        guard let f = r.fields(node, "a step", known: Self.stepKeys) else { return nil }
        var id = "step\(position)"
        var idLocation = f.location
        if let n = f["id"], let given = r.name(n, "step id") {
            id = given
            idLocation = r.location(n)
        }

        // Timing.
        var timing: Timing = .at(0)
        if let within {
            for key in ["at", "after", "delay"] {
                if let e = f.entry(key) {
                    r.error(
                        e.keyNode, "a step inside a group takes its time from the group's 'within'; remove '\(key)'")
                }
            }
            timing = .between(within.0, within.1)
        } else if let t = decodeTiming(f, "step", flatIndex: flatIndex) {
            timing = t
        }

        // The action.
        let actions = f.entries.filter { StepAction.keywords.contains($0.key) }
        guard let actionEntry = actions.first else {
            r.error(
                f.location, "step '\(id)' has no action; give one of: \(StepAction.keywords.joined(separator: ", "))")
            return nil
        }
        for extra in actions.dropFirst() {
            r.error(
                extra.keyNode,
                "a step has exactly one action, but step '\(id)' has both '\(actionEntry.key)' and '\(extra.key)'")
        }
        var byCoordinate = false
        if let b = f["by"] {
            if actionEntry.key != "delete" {
                r.error(f.entry("by")!.keyNode, "'by' only applies to delete steps")
            } else if let v = r.text(b, "'by'") {
                switch v {
                case "id": byCoordinate = false
                case "coordinate": byCoordinate = true
                default: r.error(b, "'by' must be 'id' or 'coordinate', found '\(v)'")
                }
            }
        }
        var viaSync = false
        if let e = f.entry("via") {
            if !Self.syncableActions.contains(actionEntry.key) {
                r.error(
                    e.keyNode,
                    "'via' only applies to announce, state, pull_request and issue steps, but step '\(id)' is a '\(actionEntry.key)' step"
                )
            } else if let v = r.text(e.value, "'via'") {
                switch v {
                case "sync": viaSync = true
                case "user": viaSync = false
                default:
                    r.error(
                        e.value,
                        "'via' must be 'sync' (the event comes from another relay) or 'user' (the default), found '\(v)'"
                    )
                }
            }
        }
        var cloneDomains: [String] = []
        guard
            let action = decodeAction(
                actionEntry, stepID: id, byCoordinate: byCoordinate,
                cloneDomains: &cloneDomains)
        else { return nil }

        var actor = ""
        if let n = f["actor"] {
            if let a = r.text(n, "'actor'") {
                if !(action.isLifecycle && a.isEmpty) { ref(.actor, a, n) }
                actor = a
            }
        } else if !action.isLifecycle {
            r.error(f.location, "step '\(id)' is missing required key 'actor' (who performs it)")
        }

        var retry: RetrySpec?
        if let n = f["retry"], let rf = r.fields(n, "'retry'", known: ["every", "for"]) {
            var every: SimDuration?
            var giveUp: SimDuration?
            if let e = rf["every"] {
                every = r.duration(e, "'every'")
                if let v = every, v <= 0 { r.error(e, "'every' must be longer than 0") }
            } else {
                r.error(rf.location, "missing required key 'every' in 'retry' (the wait between attempts)")
            }
            if let g = rf["for"] {
                giveUp = r.duration(g, "'for'")
            } else {
                r.error(rf.location, "missing required key 'for' in 'retry' (how long to keep trying)")
            }
            if let every, let giveUp { retry = RetrySpec(every: every, giveUpAfter: giveUp) }
        }
        stepIDLocations.append(idLocation)
        return StepSpec(
            id: id, actor: actor, timing: timing, action: action, retry: retry,
            viaSync: viaSync, cloneDomains: cloneDomains, location: r.location(node))
    }

    /// `at:` (a time or a range) or `after:` with an optional `delay:`.
    /// `flatIndex` is set for steps (to remember where `after:` is); nil for faults.
    func decodeTiming(_ f: Fields, _ what: String, flatIndex: Int?) -> Timing? {
        let r = reader
        let at = f.entry("at")
        let after = f.entry("after")
        let delay = f.entry("delay")
        if at != nil, let after {
            r.error(after.keyNode, "a \(what) has either 'at' or 'after', not both")
            return nil
        }
        if let at {
            guard let (lo, hi, isRange) = r.durationRange(at.value, "'at'") else { return nil }
            if let delay { r.error(delay.keyNode, "'delay' only applies together with 'after'") }
            return isRange ? .between(lo, hi) : .at(lo)
        }
        if let after {
            guard let target = r.text(after.value, "'after'") else { return nil }
            ref(.step(nil), target, after.value)
            if let flatIndex { afterLocations[flatIndex] = r.location(after.value) }
            var lo: SimDuration = 0
            var hi: SimDuration = 0
            if let delay, let (l, h, _) = r.durationRange(delay.value, "'delay'") {
                lo = l
                hi = h
            }
            return .after(step: target, lo: lo, hi: hi)
        }
        if let delay { r.error(delay.keyNode, "'delay' only applies together with 'after'") }
        r.error(
            f.location, "a \(what) needs 'at' (a time like 30s or a range like 1m..5m) or 'after' (another step's id)")
        return nil
    }

    func decodeAction(_ e: Fields.Entry, stepID: String, byCoordinate: Bool, cloneDomains: inout [String])
        -> StepAction?
    {
        let r = reader
        let v = e.value
        func repoField(_ f: Fields, _ what: String) -> String? {
            guard let n = f["repo"] else {
                r.error(f.location, "missing required key 'repo' in '\(what)'")
                return nil
            }
            guard let repo = r.text(n, "'repo'") else { return nil }
            ref(.repo, repo, n)
            return repo
        }
        func ownerField(_ f: Fields) -> String? {
            guard let n = f["owner"], let o = r.text(n, "'owner'") else { return nil }
            ref(.actor, o, n)
            return o
        }
        /// `clone: [domain, ...]` of announce and pull_request: extra clone URLs.
        func domainList(_ f: Fields) -> [String] {
            guard let n = f["clone"], let items = r.list(n, "'clone'") else { return [] }
            var out: [String] = []
            for item in items {
                guard let d = r.text(item, "a domain in 'clone'") else { continue }
                if out.contains(d) {
                    r.error(item, "domain '\(d)' is listed twice in 'clone'")
                    continue
                }
                ref(.cloneDomain, d, item)
                out.append(d)
            }
            return out
        }
        func commitField(_ f: Fields, _ repo: String?, _ what: String) -> String? {
            guard let n = f["commit"] else {
                r.error(f.location, "missing required key 'commit' in '\(what)'")
                return nil
            }
            guard let c = r.text(n, "'commit'") else { return nil }
            if let repo { ref(.commit(repo: repo), c, n) }
            return c
        }
        switch e.key {
        case "announce":
            if case .scalar = v {
                guard let repo = r.text(v, "'announce'") else { return nil }
                ref(.repo, repo, v)
                return .announce(repo: repo, maintainers: nil, listsService: true)
            }
            guard let f = r.fields(v, "'announce'", known: ["repo", "maintainers", "lists_service", "clone"]) else {
                return nil
            }
            let repo = repoField(f, "announce")
            cloneDomains = domainList(f)
            var maintainers: [String]?
            if let n = f["maintainers"] { maintainers = decodeActorList(n, "'maintainers'") }
            var lists = true
            if let n = f["lists_service"], let b = r.bool(n, "'lists_service'") { lists = b }
            guard let repo else { return nil }
            return .announce(repo: repo, maintainers: maintainers, listsService: lists)

        case "state":
            guard let f = r.fields(v, "'state'", known: ["repo", "refs", "head", "peeled"]) else { return nil }
            let repo = repoField(f, "state")
            var refs: [RefSpec] = []
            if let n = f["refs"] {
                refs = decodeRefMap(n, repo: repo, allowDelete: false, what: "a state")
            } else {
                r.error(f.location, "missing required key 'refs' in 'state' (use refs: {} for a state with no refs)")
            }
            var head: String?
            if let n = f["head"], let h = r.text(n, "'head'") {
                if !h.hasPrefix("refs/heads/") {
                    r.error(n, "'head' must be a branch ref (refs/heads/...), found '\(h)'")
                } else if let p = RefName.problem(h, branchOrTag: true) {
                    r.error(n, p)
                }
                head = h
            }
            var peeled = false
            if let n = f["peeled"], let b = r.bool(n, "'peeled'") { peeled = b }
            guard let repo else { return nil }
            return .state(repo: repo, refs: refs, head: head, peeled: peeled)

        case "push":
            guard let f = r.fields(v, "'push'", known: ["repo", "owner", "refs"]) else { return nil }
            let repo = repoField(f, "push")
            let owner = ownerField(f)
            var refs: [RefSpec] = []
            if let n = f["refs"] {
                refs = decodeRefMap(n, repo: repo, allowDelete: true, what: "a push")
                if case .mapping(let m) = n, m.count == 0 { r.error(n, "a push needs at least one ref") }
            } else {
                r.error(f.location, "missing required key 'refs' in 'push'")
            }
            guard let repo else { return nil }
            return .push(repo: repo, owner: owner, refs: refs)

        case "pull_request":
            guard let f = r.fields(v, "'pull_request'", known: ["repo", "commit", "clone"]) else { return nil }
            let repo = repoField(f, "pull_request")
            cloneDomains = domainList(f)
            let commit = commitField(f, repo, "pull_request")
            guard let repo, let commit else { return nil }
            return .pullRequest(repo: repo, pr: stepID, commit: commit)

        case "push_pr":
            guard let f = r.fields(v, "'push_pr'", known: ["repo", "pr", "commit", "raw_ref"]) else { return nil }
            let repo = repoField(f, "push_pr")
            var pr: String?
            if let n = f["pr"] {
                pr = r.text(n, "'pr'")
                if let pr {
                    ref(
                        .step({ target in
                            if case .pullRequest = target.action { return nil }
                            return
                                "'pr' must name a pull_request step, but step '\(pr)' is \(target.action.keywordWithArticle) step"
                        }), pr, n)
                }
            } else {
                r.error(f.location, "missing required key 'pr' in 'push_pr' (the id of a pull_request step)")
            }
            let commit = commitField(f, repo, "push_pr")
            var raw: String?
            if let n = f["raw_ref"], let t = r.text(n, "'raw_ref'") {
                if t.isEmpty || t.contains(" ") {
                    r.error(n, "'raw_ref' must be non-empty without spaces, found '\(t)'")
                }
                raw = t
            }
            guard let repo, let pr, let commit else { return nil }
            return .pushPR(repo: repo, pr: pr, commit: commit, rawRef: raw)

        case "issue":
            if case .scalar = v {
                guard let repo = r.text(v, "'issue'") else { return nil }
                ref(.repo, repo, v)
                return .issue(repo: repo, subject: "")
            }
            guard let f = r.fields(v, "'issue'", known: ["repo", "subject"]) else { return nil }
            let repo = repoField(f, "issue")
            var subject = ""
            if let n = f["subject"], let t = r.optionalText(n, "'subject'") { subject = t }
            guard let repo else { return nil }
            return .issue(repo: repo, subject: subject)

        case "delete":
            let items = r.listOrOne(v)
            if items.isEmpty { r.error(v, "'delete' needs at least one step id") }
            var targets: [String] = []
            for item in items {
                guard let t = r.text(item, "a step id in 'delete'") else { continue }
                if targets.contains(t) { r.error(item, "step '\(t)' is listed twice in 'delete'") }
                ref(
                    .step({ target in
                        switch target.action {
                        case .announce, .state: return nil
                        case .pullRequest, .issue:
                            return byCoordinate
                                ? "step '\(t)' publishes \(target.action.keywordWithArticle) event, which has no coordinate; delete it 'by: id'"
                                : nil
                        default:
                            return
                                "'delete' names step '\(t)', \(target.action.keywordWithArticle) step, which publishes no deletable event"
                        }
                    }), t, item)
                targets.append(t)
            }
            return .delete(targets: targets, byCoordinate: byCoordinate)

        case "replay":
            guard let t = r.text(v, "a step id in 'replay'") else { return nil }
            ref(
                .step({ target in
                    switch target.action {
                    case .announce, .state, .pullRequest, .issue, .delete: return nil
                    default:
                        return
                            "'replay' names step '\(t)', \(target.action.keywordWithArticle) step, which publishes no event"
                    }
                }), t, v)
            return .replay(target: t)

        case "clone":
            if case .scalar = v {
                guard let repo = r.text(v, "'clone'") else { return nil }
                ref(.repo, repo, v)
                return .clone(repo: repo, owner: nil)
            }
            guard let f = r.fields(v, "'clone'", known: ["repo", "owner"]) else { return nil }
            let repo = repoField(f, "clone")
            let owner = ownerField(f)
            guard let repo else { return nil }
            return .clone(repo: repo, owner: owner)

        case "shutdown", "crash", "restart":
            guard let relay = r.text(v, "'\(e.key)'") else { return nil }
            ref(.relayNode, relay, v)
            switch e.key {
            case "shutdown": return .shutdown(relay: relay)
            case "crash": return .crash(relay: relay)
            default: return .restart(relay: relay)
            }

        case "reconcile":
            let hasUpstream: (RepoSpec) -> String? = { repo in
                repo.upstream == nil
                    ? "step '\(stepID)' reconciles repo '\(repo.name)', which has no 'upstream'; give the repo one, e.g. upstream: { domain: up.example }"
                    : nil
            }
            if case .scalar = v {
                guard let repo = r.text(v, "'reconcile'") else { return nil }
                ref(.repoWhere(hasUpstream), repo, v)
                return .reconcile(repo: repo, relay: nil)
            }
            guard let f = r.fields(v, "'reconcile'", known: ["repo", "relay"]) else { return nil }
            var repo: String?
            if let n = f["repo"] {
                repo = r.text(n, "'repo'")
                if let repo { ref(.repoWhere(hasUpstream), repo, n) }
            } else {
                r.error(f.location, "missing required key 'repo' in 'reconcile'")
            }
            var relay: String?
            if let n = f["relay"], let t = r.text(n, "'relay'") {
                ref(.relayNode, t, n)
                relay = t
            }
            guard let repo else { return nil }
            return .reconcile(repo: repo, relay: relay)
        default:
            return nil
        }
    }
}
