extension StepActionDescription {
    /// `announce: <repo>` or `announce: { repo, maintainers, lists_service, clone }`.
    static let announce = StepActionDescription(
        keyword: "announce", meaning: "Publish a 30617 announcement.",
        decode: { d, e, step in
            let r = d.reader
            let v = e.value
            if case .scalar = v {
                guard let repo = r.text(v, "'announce'") else { return nil }
                d.ref(.repo, repo, v)
                return .announce(repo: repo, maintainers: nil, listsService: true)
            }
            guard let f = r.fields(v, "'announce'", known: ["repo", "maintainers", "lists_service", "clone"]) else {
                return nil
            }
            let repo = d.stepRepo(f, "announce")
            step.cloneDomains = d.stepCloneDomains(f)
            var maintainers: [String]?
            if let n = f["maintainers"] { maintainers = d.decodeActorList(n, "'maintainers'") }
            var lists = true
            if let n = f["lists_service"], let b = r.bool(n, "'lists_service'") { lists = b }
            guard let repo else { return nil }
            return .announce(repo: repo, maintainers: maintainers, listsService: lists)
        },
        encode: { a, cloneDomains in
            guard case .announce(let repo, let maintainers, let listsService) = a else { return [] }
            if maintainers == nil && listsService && cloneDomains.isEmpty {
                return ["announce: \(ScenarioWriter.scalar(repo))"]
            }
            var f = ["repo: \(ScenarioWriter.scalar(repo))"]
            if let m = maintainers { f.append("maintainers: \(ScenarioWriter.list(m))") }
            if !listsService { f.append("lists_service: false") }
            if !cloneDomains.isEmpty { f.append("clone: \(ScenarioWriter.list(cloneDomains))") }
            return ["announce: \(ScenarioWriter.flow(f))"]
        },
        perform: .publishes { a, step, w in
            guard case .announce(let repoName, let maintainers, let listsService) = a else { return nil }
            let repo = w.repo(repoName)
            let domains = listsService ? w.relayDomains : ["elsewhere.invalid"]
            let ms = maintainers ?? (step.actor == repo.owner ? repo.maintainers : [])
            return .draft(
                .repoAnnouncement(
                    identifier: repo.identifier,
                    cloneURLs: (domains + step.cloneDomains).map {
                        "https://\($0)/\(w.npub(of: step.actor))/\(repo.identifier).git"
                    },
                    relays: domains.map { "wss://\($0)" }, maintainers: ms.map { w.publicKey(of: $0) }))
        })
}
