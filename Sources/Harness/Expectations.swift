import Checks
import GitStore
import Nostr
import Relay
import RelayProcess
import Scenario
import SimKernel
import Sync

extension World {
    func key(_ repoName: String, owner: String?) -> RepoKey? {
        guard let repo = repoSpec(repoName), let k = keys[owner ?? repo.owner] else { return nil }
        return RepoKey(owner: k.publicKey, d: repo.identifier)
    }

    private func servedTime(_ eventID: String) -> SimTime? {
        for h in history {
            if case .relay(_, .served(let e, _)) = h.item, e.id == eventID { return h.time }
        }
        return nil
    }

    private func outcome(_ step: String) -> (accepted: Bool, message: String)? {
        var last: (Bool, String)? = nil
        for h in history { if case .stepOutcome(let s, let a, let m) = h.item, s == step { last = (a, m) } }
        return last
    }

    private func describeOutcome(_ step: String) -> String {
        guard let o = outcome(step) else { return "the step never finished" }
        return o.accepted ? "the step succeeded (\(o.message))" : "the step failed: \(o.message)"
    }

    /// Checks the scenario's `expect:` list against the finished run.
    func checkExpectations() {
        for ex in scenario.expectations {
            let loc = ex.location.description
            func fail(_ msg: String) { checks.fail(.expectations, sim.now, "scenario", "\(loc): \(msg)") }
            switch ex.kind {
            case .served(let step, let by):
                guard let e = stepEvents[step] else {
                    fail("expected \(step) to be served, but it never published an event (\(describeOutcome(step)))")
                    continue
                }
                guard let t = servedTime(e.id) else {
                    fail("expected \(step) (\(e.id.prefix(8))) to be served; it never was (\(describeOutcome(step)))")
                    continue
                }
                if let by, t > by {
                    fail("expected \(step) served by \(Time.format(by)); it was served at \(Time.format(t))")
                }
            case .notServed(let step):
                if let e = stepEvents[step], let t = servedTime(e.id) {
                    fail("expected \(step) never served; it was served at \(Time.format(t))")
                }
            case .accepted(let step):
                guard let o = outcome(step) else {
                    fail("expected \(step) accepted; it never finished")
                    continue
                }
                if !o.accepted { fail("expected \(step) accepted; it was rejected: \(o.message)") }
            case .rejected(let step, let reason):
                guard let o = outcome(step) else {
                    fail("expected \(step) rejected; it never finished")
                    continue
                }
                if o.accepted {
                    fail("expected \(step) rejected; it was accepted")
                } else if let reason, !o.message.contains(reason) {
                    fail("expected \(step) rejected with '\(reason)'; got '\(o.message)'")
                }
            case .expired(let step, let lo, let hi):
                guard let e = stepEvents[step] else {
                    fail("expected \(step) to expire; it never published")
                    continue
                }
                let t = history.first { h in
                    if case .relay(_, .left(let id, _, "expired")) = h.item { return id == e.id }
                    return false
                }?.time
                guard let t else {
                    fail("expected \(step) (\(e.id.prefix(8))) to expire from purgatory; it did not")
                    continue
                }
                if let lo, t < lo {
                    fail("expected \(step) to expire after \(Time.format(lo)); it expired at \(Time.format(t))")
                }
                if let hi, t > hi {
                    fail("expected \(step) to expire by \(Time.format(hi)); it expired at \(Time.format(t))")
                }
            case .refs(let repoName, let owner, let refs):
                guard let k = key(repoName, owner: owner) else { continue }
                guard let repo = storage.repository(k) else {
                    fail("expected refs of \(repoName); the repository does not exist")
                    continue
                }
                var want: [String: ObjectID] = [:]
                for r in refs { if let id = try? refTarget(repoName, r) { want[r.ref] = id } }
                let have = CheckSuite.hostedRefs(repo)
                if want != have {
                    let show: ([String: ObjectID]) -> String = { m in
                        "{" + m.keys.sorted().map { "\($0)=\(m[$0]!.hex.prefix(7))" }.joined(separator: ", ") + "}"
                    }
                    fail("expected refs \(show(want)) in \(repoName); found \(show(have))")
                }
            case .head(let repoName, let owner, let ref):
                guard let k = key(repoName, owner: owner), let repo = storage.repository(k) else {
                    fail("expected HEAD of \(repoName); the repository does not exist")
                    continue
                }
                if repo.head != ref { fail("expected HEAD \(ref) in \(repoName); found \(repo.head)") }
            case .repoAbsent(let repoName, let owner):
                if let k = key(repoName, owner: owner), storage.exists(k) {
                    fail("expected repository \(repoName) to be deleted; it exists")
                }
            case .reconciled(let repoName, let outcome):
                guard let k = key(repoName, owner: nil) else { continue }
                var last: ReconcileRecord?
                for h in history { if case .sync(_, .reconciled(let r)) = h.item, r.repo == k { last = r } }
                guard let last else {
                    fail("expected \(repoName) to be reconciled (\(outcome)); no reconciliation finished")
                    continue
                }
                if last.outcome.rawValue != outcome {
                    fail(
                        "expected the last reconciliation of \(repoName) to be \(outcome); it was \(last.outcome.rawValue)"
                    )
                }
            case .remoteRefs(let domain, let repoName, let refs):
                guard let repo = repoSpec(repoName) else { continue }
                let have: [String: ObjectID] = {
                    var m: [String: ObjectID] = [:]
                    for (n, id) in remotes[domain]?.repos[repo.identifier]?.refs ?? []
                    where n.hasPrefix("refs/heads/") || n.hasPrefix("refs/tags/") { m[n] = id }
                    return m
                }()
                var unmatched = have
                var problems: [String] = []
                for r in refs {
                    let want = (try? refTarget(repoName, r)) ?? nil
                    if r.ref.hasSuffix("*") {
                        let prefix = String(r.ref.dropLast())
                        let hits = unmatched.keys.filter { $0.hasPrefix(prefix) }.sorted()
                        if hits.count != 1 {
                            problems.append("\(hits.count) refs match \(r.ref)")
                            continue
                        }
                        if unmatched[hits[0]] != want {
                            problems.append("\(hits[0]) is \(unmatched[hits[0]]!.hex.prefix(7))")
                        }
                        unmatched[hits[0]] = nil
                    } else {
                        if unmatched[r.ref] != want {
                            problems.append(
                                "\(r.ref) is \(unmatched[r.ref].map { String($0.hex.prefix(7)) } ?? "absent")")
                        }
                        unmatched[r.ref] = nil
                    }
                }
                for n in unmatched.keys.sorted() { problems.append("unexpected \(n)") }
                if !problems.isEmpty {
                    fail("expected refs of \(repoName) on \(domain): \(problems.joined(separator: "; "))")
                }
            case .syncFetches(let repoName, let lo, let hi):
                guard let repo = repoSpec(repoName) else { continue }
                var n = 0
                for h in history {
                    if case .sync(_, .fetchStarted(_, let d, _)) = h.item, d == repo.identifier { n += 1 }
                }
                if let lo, n < lo { fail("expected at least \(lo) sync fetches for \(repoName); there were \(n)") }
                if let hi, n > hi { fail("expected at most \(hi) sync fetches for \(repoName); there were \(n)") }
            }
        }
    }
}
