extension ExpectationDescription {
    /// `sync_fetches: { repo, min, max }`: how many sync fetches the relay started for the
    /// repository's identifier.
    static let syncFetches = ExpectationDescription(
        keyword: "sync_fetches",
        meaning: "The relay started between min and max sync fetches for the repo's identifier.",
        decode: { d, e in
            let r = d.reader
            guard let f = r.fields(e.value, "'sync_fetches'", known: ["repo", "min", "max"]) else { return nil }
            var repo: String?
            if let n = d.required(f, "repo", in: "sync_fetches") {
                repo = r.text(n, "'repo'")
                if let repo { d.ref(.repo, repo, n) }
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
            if let lo, let hi, lo > hi, let n = f["max"] { r.error(n, "'max' (\(hi)) is less than 'min' (\(lo))") }
            guard let repo else { return nil }
            return .syncFetches(repo: repo, min: lo, max: hi)
        },
        encode: { k in
            guard case .syncFetches(let repo, let lo, let hi) = k else { return nil }
            var a = ["repo: \(ScenarioWriter.scalar(repo))"]
            if let lo { a.append("min: \(lo)") }
            if let hi { a.append("max: \(hi)") }
            return ScenarioWriter.flow(a)
        },
        judge: { k, run in
            guard case .syncFetches(let repo, let lo, let hi) = k else { return nil }
            let n = run.syncFetches(repo: repo)
            if let lo, n < lo { return "expected at least \(lo) sync fetches for \(repo); there were \(n)" }
            if let hi, n > hi { return "expected at most \(hi) sync fetches for \(repo); there were \(n)" }
            return nil
        })
}
