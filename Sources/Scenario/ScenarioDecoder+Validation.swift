import Foundation
import SimKernel
import Yams

/// Decoding checks across the whole file (names, references, after-cycles) (see `ScenarioDecoder`).
extension ScenarioDecoder {
    func checkNames(_ s: Scenario) {
        let r = reader
        var relays: [String: SourceLocation] = [:]
        var domains: [String: SourceLocation] = [:]
        for relay in s.relays {
            if let first = relays[relay.name] {
                r.error(relay.location, "relay '\(relay.name)' is defined twice (first at line \(first.line))")
            } else {
                relays[relay.name] = relay.location
            }
            if let first = domains[relay.domain] {
                r.error(
                    relay.location,
                    "relay '\(relay.name)' uses domain '\(relay.domain)', which the relay at line \(first.line) already uses"
                )
            } else {
                domains[relay.domain] = relay.location
            }
        }
        var remotes: [String: SourceLocation] = [:]
        for remote in s.remotes {
            if let first = remotes[remote.domain] {
                r.error(remote.location, "remote '\(remote.domain)' is defined twice (first at line \(first.line))")
                continue
            }
            remotes[remote.domain] = remote.location
            if let relay = s.relays.first(where: { $0.domain == remote.domain }) {
                r.error(
                    remote.location,
                    "remote '\(remote.domain)' has the domain of relay '\(relay.name)'; a remote is a git server on another domain"
                )
            }
        }
        var actors: [String: SourceLocation] = [:]
        for actor in s.actors {
            if let first = actors[actor.name] {
                r.error(actor.location, "actor '\(actor.name)' is defined twice (first at line \(first.line))")
            } else if relays[actor.name] != nil {
                r.error(
                    actor.location,
                    "actor '\(actor.name)' has the same name as a relay; fault node names must be unambiguous")
            }
            actors[actor.name] = actors[actor.name] ?? actor.location
        }
        var repos: [String: SourceLocation] = [:]
        for repo in s.repos {
            if let first = repos[repo.name] {
                r.error(repo.location, "repo '\(repo.name)' is defined twice (first at line \(first.line))")
            } else {
                repos[repo.name] = repo.location
            }
        }
        var steps: [String: SourceLocation] = [:]
        for (i, step) in s.steps.enumerated() {
            let loc = i < stepIDLocations.count ? stepIDLocations[i] : step.location
            if let first = steps[step.id] {
                r.error(loc, "duplicate step id '\(step.id)' (first used at line \(first.line))")
            } else {
                steps[step.id] = loc
            }
        }
    }

    func checkReferences(_ s: Scenario) {
        let r = reader
        let actorNames = s.actors.map(\.name)
        let relayNames = s.relays.map(\.name)
        let repoNames = s.repos.map(\.name)
        let remoteDomains = s.remotes.map(\.domain)
        let stepIDs = s.steps.map(\.id)
        var stepByID: [String: StepSpec] = [:]
        for step in s.steps where stepByID[step.id] == nil { stepByID[step.id] = step }
        var reposByName: [String: RepoSpec] = [:]
        for repo in s.repos where reposByName[repo.name] == nil { reposByName[repo.name] = repo }

        for p in refs {
            switch p.kind {
            case .actor:
                if !actorNames.contains(p.name) {
                    unknown("actor", p.name, actorNames, p.location, hint: "list actors under 'actors'")
                }
            case .relay:
                if !relayNames.contains(p.name) { unknown("relay", p.name, relayNames, p.location) }
            case .repo:
                if !repoNames.contains(p.name) {
                    unknown("repo", p.name, repoNames, p.location, hint: "define repos under 'repos'")
                }
            case .repoWhere(let check):
                guard let spec = reposByName[p.name] else {
                    unknown("repo", p.name, repoNames, p.location, hint: "define repos under 'repos'")
                    continue
                }
                if let problem = check(spec) { r.error(p.location, problem) }
            case .remote:
                if remoteDomains.contains(p.name) { continue }
                if let relay = s.relays.first(where: { $0.domain == p.name }) {
                    r.error(
                        p.location,
                        "'\(p.name)' is the domain of relay '\(relay.name)', not of a remote; name a 'remotes' entry")
                } else {
                    unknown("remote", p.name, remoteDomains, p.location, hint: "define remotes under 'remotes'")
                }
            case .cloneDomain:
                checkCloneDomain(p, s)
            case .commit(let repo):
                guard let spec = reposByName[repo] else { continue }  // the unknown repo is reported already
                let names = spec.commits.map(\.name)
                if !names.contains(p.name) { unknown("commit", p.name, names, p.location, scope: " in repo '\(repo)'") }
            case .step(let check):
                guard let target = stepByID[p.name] else {
                    unknown("step", p.name, stepIDs, p.location)
                    continue
                }
                if let check, let problem = check(target) { r.error(p.location, problem) }
            case .node, .relayNode:
                checkNodeReference(p, s)
            }
        }
    }

    /// "unknown <what> '<name>'" with the closest defined name, or the list, or a hint.
    private func unknown(
        _ what: String, _ name: String, _ candidates: [String], _ loc: SourceLocation,
        hint: String = "", scope: String = ""
    ) {
        let r = reader
        var m = "unknown \(what) '\(name)'\(scope)"
        if let near = Suggest.closest(to: name, among: candidates) {
            m += "; did you mean '\(near)'?"
        } else if candidates.isEmpty {
            m += hint.isEmpty ? " (none are defined)" : " (\(hint))"
        } else if candidates.count <= 12 {
            m += " (defined: \(candidates.joined(separator: ", ")))"
        }
        r.error(loc, m)
    }

    /// A `clone:` domain names a remote or a relay.
    private func checkCloneDomain(_ p: PendingRef, _ s: Scenario) {
        let r = reader
        let remoteDomains = s.remotes.map(\.domain)
        let relayDomains = s.relays.map(\.domain)
        if remoteDomains.contains(p.name) || relayDomains.contains(p.name) { return }
        var m = "unknown domain '\(p.name)' in 'clone'"
        if let near = Suggest.closest(to: p.name, among: remoteDomains + relayDomains) {
            m += "; did you mean '\(near)'?"
        } else {
            m +=
                " (remotes: \(remoteDomains.isEmpty ? "none" : remoteDomains.joined(separator: ", "))"
                + "; relay domains: \(relayDomains.joined(separator: ", ")))"
        }
        r.error(p.location, m)
    }

    /// A node: an actor, a relay, one replica as relay#k, or `locks`; relays only for `.relayNode`.
    private func checkNodeReference(_ p: PendingRef, _ s: Scenario) {
        let r = reader
        let relayNames = s.relays.map(\.name)
        let actorNames = s.actors.map(\.name)
        let relaysOnly: Bool = { if case .relayNode = p.kind { return true } else { return false } }()
        if let hash = p.name.firstIndex(of: "#") {
            let base = String(p.name[..<hash])
            let index = String(p.name[p.name.index(after: hash)...])
            guard let relay = s.relays.first(where: { $0.name == base }) else {
                unknown("relay", base, relayNames, p.location)
                return
            }
            guard let k = Int(index), k >= 0 else {
                r.error(p.location, "'\(p.name)': the replica number after '#' must be a whole number from 0")
                return
            }
            if k >= relay.replicas {
                r.error(
                    p.location,
                    "relay '\(base)' has \(relay.replicas) replica\(relay.replicas == 1 ? "" : "s") (numbered from 0), so '\(p.name)' does not exist"
                )
            }
        } else if relaysOnly {
            if !relayNames.contains(p.name) { unknown("relay", p.name, relayNames, p.location) }
        } else if p.name == "locks" {
            // The lock service exists when some relay runs several replicas.
            if !s.relays.contains(where: { $0.replicas > 1 }) {
                r.error(p.location, "'locks' (the lock service) exists only when some relay has replicas > 1")
            }
        } else if !relayNames.contains(p.name) && !actorNames.contains(p.name) {
            let hasLocks = s.relays.contains(where: { $0.replicas > 1 })
            unknown(
                "node", p.name, relayNames + actorNames + (hasLocks ? ["locks"] : []), p.location,
                hint: hasLocks
                    ? "name an actor, a relay, one replica as relay#k, or locks"
                    : "name an actor, a relay, or one replica as relay#k")
        }

    }

    func checkAfterCycles(_ s: Scenario) {
        var index: [String: Int] = [:]
        for (i, step) in s.steps.enumerated() where index[step.id] == nil { index[step.id] = i }
        func next(_ i: Int) -> Int? {
            if case .after(let target, _, _) = s.steps[i].timing { return index[target] }
            return nil
        }
        // 0 = unvisited, 1 = on the current path, 2 = done.
        var state = Array(repeating: 0, count: s.steps.count)
        for start in s.steps.indices where state[start] == 0 {
            var path: [Int] = []
            var cur: Int? = start
            while let c = cur, state[c] == 0 {
                state[c] = 1
                path.append(c)
                cur = next(c)
            }
            if let c = cur, state[c] == 1, let at = path.firstIndex(of: c) {
                var cycle = Array(path[at...])
                // Start (and report) at the step that comes first in the file.
                let first = cycle.min()!
                let k = cycle.firstIndex(of: first)!
                cycle = Array(cycle[k...] + cycle[..<k])
                let names = (cycle + [first]).map { s.steps[$0].id }.joined(separator: " → ")
                let loc = afterLocations[first] ?? s.steps[first].location
                reader.error(
                    loc,
                    cycle.count == 1
                        ? "step '\(s.steps[c].id)' comes after itself"
                        : "'after' dependencies form a cycle: \(names)")
            }
            for p in path { state[p] = 2 }
        }
    }
}
