import Nostr
import Relay
import Scenario
import SimKernel
import Sync
import Testing

@testable import Checks
@testable import Harness

/// For each situation the coverage counts, a realistic mistake planted through a test
/// double (never a configuration switch) is caught on generated workloads, within 1,000
/// seeds, by an oracle or invariant — not by `expectations` (generated scenarios have none)
/// nor by an availability share — on a run that created the situation.
@Suite struct PlantedInGenerated {
    struct Catch {
        var seed: UInt64
        var violation: Violation
    }

    /// The first generated seed that creates `situation` and on which `invariant` fires.
    func firstCatch(
        _ profile: GeneratorProfile, _ situation: Situation, _ invariant: InvariantName,
        seeds: Range<UInt64> = 0..<1000, _ options: RunOptions
    ) throws -> Catch? {
        for seed in seeds {
            let s = WorkloadGenerator.scenario(profile: profile, seed: seed)
            let (r, w) = try Runner.runOne(s, seed: seed, options: options)
            w.recycle()
            guard r.situations.contains(situation), let v = r.violations.first(where: { $0.invariant == invariant })
            else { continue }
            // The same seed holds on the reference: the catch is the planted mistake's.
            let (ref, rw) = try Runner.runOne(s, seed: seed)
            rw.recycle()
            #expect(ref.violations.isEmpty, "seed \(seed) fails on the reference too: \(ref.violations)")
            print("planted mistake caught by \(invariant) on generated \(profile) seed \(seed): \(v.message)")
            return Catch(seed: seed, violation: v)
        }
        return nil
    }

    func relay(_ plant: @escaping @Sendable (RelayDecision) -> Bool?) -> RunOptions {
        var o = RunOptions()
        o.adjustRelayConfig = { c in c.decisionHook = TestHook { d in plant(d) ?? d.reference } }
        return o
    }

    /// R2's exception forgotten: a maintainer's announcement of a copy hosted elsewhere is
    /// refused.
    @Test func maintainerExceptionForgotten() throws {
        let c = try firstCatch(
            .arrival, .announcementElsewhereByMaintainer, .relayModel,
            relay { d in
                if case .maintainerException = d { return false }
                return nil
            })
        #expect(
            c?.violation.message.contains("a maintainer may announce a copy hosted elsewhere") == true,
            "\(String(describing: c?.violation))")
    }

    /// A newer version looked for in the store only, not in purgatory: an older version
    /// replayed while a newer one waits replaces it (or is served).
    @Test func newerVersionLookedForInTheStoreOnly() throws {
        let c = try firstCatch(
            .arrival, .olderVersionAfterNewerWaits, .relayModel,
            relay { d in
                if case .notNewerThanWaiting = d { return false }
                return nil
            })
        #expect(c != nil)
    }

    /// A deletion by coordinate matched on the identifier alone: it removes another
    /// owner's waiting announcement of the same identifier.
    @Test func deletionMatchedOnTheIdentifierOnly() throws {
        let c = try firstCatch(
            .arrival, .twoOwnersOneDeleted, .relayModel,
            relay { d in
                guard case .deletionRemovesWaiting(let del, let waiting, let reference) = d else { return nil }
                let req = try? DeletionRequest(del)
                let sloppy =
                    req?.eventIDs.contains(waiting.id) == true
                    || req?.coordinates.contains {
                        $0.kind == Kinds.repoAnnouncement && $0.d == waiting.dTag && waiting.createdAt <= del.createdAt
                    } == true
                return reference || sloppy
            })
        #expect(c?.violation.message.contains("which it does not name") == true, "\(String(describing: c?.violation))")
    }

    /// A state authorized by identifier alone: it speaks for every owner's repository.
    @Test func stateAuthorizedByIdentifierAlone() throws {
        let c = try firstCatch(
            .arrival, .stateAuthorizedForOneOwnerOnly, .relayModel,
            relay { d in
                if case .speaksFor = d { return true }
                return nil
            })
        #expect(c != nil)
    }

    /// The tie-break reversed: on equal `created_at` the highest id wins.
    @Test func tieBreakReversed() throws {
        let c = try firstCatch(
            .arrival, .equalCreatedAt, .relayModel,
            relay { d in
                guard case .replaces(let a, let b, _) = d, a.createdAt == b.createdAt else { return nil }
                return a.id > b.id
            })
        #expect(c != nil)
    }

    /// A late state does not extend its announcement's purgatory window.
    @Test func lateStateDoesNotExtend() throws {
        let c = try firstCatch(
            .arrival, .lateStateExtendsAnnouncement, .purgatoryExitTiming,
            relay { d in
                if case .extendAnnouncement = d { return false }
                return nil
            })
        #expect(c?.violation.message.contains("before its deadline") == true, "\(String(describing: c?.violation))")
    }

    /// An expired git-first placeholder's ref is kept: nothing authorizes it any more, and
    /// the pull request arriving later would be served from it.
    @Test func expiredPlaceholderRefKept() throws {
        let c = try firstCatch(
            .arrival, .prAfterPlaceholderExpired, .relayModel,
            relay { d in
                if case .dropExpiredPlaceholderRef = d { return false }
                return nil
            })
        #expect(c?.violation.message.contains("is still in") == true, "\(String(describing: c?.violation))")
    }

    /// A backoff that never holds its cap (keeps doubling).
    @Test func backoffNeverHoldsItsCap() throws {
        var o = RunOptions()
        o.adjustDeployment = { d in
            let base = d.sync.backoffBase
            d.sync.backoffHook = TestHook { n in base * (Int64(1) << Int64(min(n, 40))) }
        }
        let c = try firstCatch(.sync, .backoffHeldAtCap, .backoffSchedule, o)
        #expect(c != nil)
    }

    /// Heartbeats too rare to keep a lease (every 1.2 ttl): a holder working past the ttl
    /// on a healthy network loses its lease.
    @Test func heartbeatTooRare() throws {
        var o = RunOptions()
        o.adjustDeployment = { d in d.lock.heartbeatHook = TestHook { period in period * 36 / 10 } }
        let c = try firstCatch(.locks, .leaseHeldPastTTL, .leaseKeptAlive, o)
        #expect(c != nil)
    }

    /// A lease that outlives its crashed holder by eight ttls.
    @Test func leaseOutlivesCrashedHolder() throws {
        var o = RunOptions()
        o.adjustDeployment = { d in d.lock.leaseTimeHook = TestHook { ttl in ttl * 8 } }
        let c = try firstCatch(.locks, .holderCrashedHolding, .lockFreedAfterCrash, o)
        #expect(c != nil)
    }
}
