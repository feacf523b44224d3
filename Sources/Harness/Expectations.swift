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

    /// Checks the scenario's `expect:` list against the finished run: each kind judges
    /// itself (Sources/Scenario/Expectations/) from the facts below.
    func checkExpectations() {
        for ex in scenario.expectations {
            if let why = ex.kind.unmet(in: self) {
                checks.fail(.expectations, sim.now, "scenario", "\(ex.location.description): \(why)")
            }
        }
    }
}

extension HistoryItem {
    /// The entries `RunFacts` below reads from the history: a world that does not keep its
    /// whole history keeps these (a fact reading another kind must be added here;
    /// `ExpectationHistoryTests` compares every fact with and without the whole history).
    var readByExpectations: Bool {
        switch self {
        case .stepOutcome, .relay(_, .served), .relay(_, .left), .sync(_, .reconciled), .sync(_, .fetchStarted):
            return true
        default:
            return false
        }
    }
}

/// What a finished run did, as expectations ask it: from the history, the storage and the
/// remotes — never from what the relay reports about itself.
extension World: RunFacts {
    public func publishedEventID(step: String) -> String? { stepEvents[step]?.id }

    public func servedTime(eventID: String) -> SimTime? {
        history.first { h in
            if case .relay(_, .served(let e, _)) = h.item { return e.id == eventID }
            return false
        }?.time
    }

    public func expiryTime(eventID: String) -> SimTime? {
        history.first { h in
            if case .relay(_, .left(let id, _, "expired")) = h.item { return id == eventID }
            return false
        }?.time
    }

    public func outcome(step: String) -> (accepted: Bool, message: String)? {
        var last: (Bool, String)? = nil
        for h in history { if case .stepOutcome(let s, let a, let m) = h.item, s == step { last = (a, m) } }
        return last
    }

    public func hostedRefs(repo: String, owner: String?) -> [String: String]? {
        guard let k = key(repo, owner: owner), let r = storage.repository(k) else { return nil }
        return CheckSuite.hostedRefs(r).mapValues(\.hex)
    }

    public func head(repo: String, owner: String?) -> String? {
        guard let k = key(repo, owner: owner) else { return nil }
        return storage.repository(k)?.head
    }

    public func lastReconciliation(repo: String) -> String? {
        guard let k = key(repo, owner: nil) else { return nil }
        var last: ReconcileRecord?
        for h in history { if case .sync(_, .reconciled(let r)) = h.item, r.repo == k { last = r } }
        return last?.outcome.rawValue
    }

    public func remoteRefs(domain: String, repo: String) -> [String: String] {
        guard let spec = repoSpec(repo) else { return [:] }
        var m: [String: String] = [:]
        for (n, id) in remotes[domain]?.repos[spec.identifier]?.refs ?? []
        where n.hasPrefix("refs/heads/") || n.hasPrefix("refs/tags/") { m[n] = id.hex }
        return m
    }

    public func syncFetches(repo: String) -> Int {
        guard let spec = repoSpec(repo) else { return 0 }
        var n = 0
        for h in history { if case .sync(_, .fetchStarted(_, let d, _)) = h.item, d == spec.identifier { n += 1 } }
        return n
    }

    public func target(repo: String, _ ref: RefSpec) -> String? { ((try? refTarget(repo, ref)) ?? nil)?.hex }
}
