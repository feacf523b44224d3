import Yams

/// What the expectation decoders share: the step or repository an expectation is about,
/// and what kind of step each expectation can be about (checked once every step is known).
extension ScenarioDecoder {
    /// `key: step` or `key: { step: x, <extra> }`; `check` says why a step cannot be meant.
    func expectedStep(_ e: Fields.Entry, extra: [String], _ check: @escaping (StepSpec) -> String?) -> (
        String, Fields?
    )? {
        let r = reader
        let v = e.value
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

    /// `key: { repo: x, owner: y, <extra> }`, or `key: repo` when `allowShorthand`.
    func expectedRepo(_ e: Fields.Entry, extra: [String], allowShorthand: Bool) -> (String, String?, Fields?)? {
        let r = reader
        let v = e.value
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

    /// A required key of an expectation's mapping, with what it means when missing.
    func required(_ f: Fields, _ key: String, in keyword: String, _ hint: String = "") -> Node? {
        guard let n = f[key] else {
            reader.error(f.location, "missing required key '\(key)' in '\(keyword)'\(hint)")
            return nil
        }
        return n
    }
}

/// The kinds of step an expectation can be about: nil when `step` is one, else why not.
enum ExpectedStep {
    static func publishes(_ keyword: String) -> (StepSpec) -> String? {
        { t in
            t.action.publishesEvent
                ? nil
                : "'\(keyword)' is about a published event, but step '\(t.id)' is \(t.action.keywordWithArticle) step"
        }
    }

    static func waitsInPurgatory(_ t: StepSpec) -> String? {
        switch t.action {
        case .announce, .state, .pullRequest: return nil
        default:
            return
                "'expired' is about an announcement, state or pull request, but step '\(t.id)' is \(t.action.keywordWithArticle) step"
        }
    }

    static func attempts(_ keyword: String) -> (StepSpec) -> String? {
        { t in
            switch t.action {
            case .clone, .shutdown, .crash, .restart, .reconcile:
                return
                    "'\(keyword)' is about a push or a publish, but step '\(t.id)' is \(t.action.keywordWithArticle) step"
            default: return nil
            }
        }
    }
}
