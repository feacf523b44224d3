import GitStore
import Nostr
import Relay
import SimKernel

/// An independent model of what a GRASP-01 relay must decide, stepped along the run's
/// history and compared with what the relay did: the answer to each event a client sent
/// (served, waiting in purgatory, duplicate, rejected), the verdict on each push (late
/// binding against the model's own maintainer sets and states), every removal (a
/// deletion must name what it removes and remove all it names; a replaced entry needs a
/// newer version), every change of a repository's refs (only an authorized push or a
/// state of the repository's maintainers may make it), and at the end the version each
/// replaceable event's slot serves (NIP-01 order, lowest id on equal `created_at`).
///
/// It shares nothing with `RelayCore` but the Nostr types: its own replacement order, its
/// own maintainer sets (from the announcements it saw served or waiting), its own
/// purgatory view. Entries leave its purgatory only on the relay's word, and each such
/// word is judged (`purgatory-exit-timing` judges when). Where the outcome honestly
/// depends on timing the model cannot see — a soft-expired announcement forgotten within
/// a sweep — it makes no prediction rather than guess. The first divergence is reported;
/// the model stops there, since everything after it may follow from it.
///
/// What it does not judge (named gaps, see docs/generated-workloads.md): the answer to
/// kinds other than announcements, states, pull requests and deletions, and `error:`
/// answers; whether a pull request waits or is served (only that it is taken); an expired
/// placeholder's ref with replicas (dropped later, in maintenance); a ref change that
/// empties a repository; the end-of-run version of slots other than announcements and
/// states.
final class RelayModel {
    private(set) var diverged = false
    var sent: [String: NostrEvent] = [:]
    /// Each slot's newest served version (older ones were replaced; a deleted one is gone).
    var served: [Slot: NostrEvent] = [:]
    /// Events the store holds now, as far as the model knows.
    var servedIDs: Set<String> = []
    var servedPRs: [String: NostrEvent] = [:]
    var waitingAnnouncements: [RepoKey: (event: NostrEvent, softExpiredAt: SimTime?)] = [:]
    var waitingStates: [String: NostrEvent] = [:]
    var waitingPRs: [String: NostrEvent] = [:]
    /// When states and pull requests expired from purgatory: the same event arriving again
    /// by sync within `expired_memory` may be refused (the model does not know an event's
    /// origin, so it allows either answer there).
    var expiredAt: [String: SimTime] = [:]
    /// What accepted deletion requests cover (NIP-09): ids of their authors, and each
    /// slot up to the newest request's `created_at`. Such events are never taken again.
    var deletedIDs: Set<String> = []
    var deletedUntil: [Slot: Int64] = [:]
    /// Git-first placeholders: `refs/nostr/<id>` pushes accepted before the pull request
    /// was known, by id → repository.
    var placeholders: [String: RepoKey] = [:]
    /// What the relay reported during the step being processed.
    var pending: [Observation] = []
    /// Repositories and their hosted refs before the step (from the shared storage).
    var reposBefore: Set<RepoKey> = []
    var refsBefore: [RepoKey: [String: ObjectID]] = [:]
    /// Which repository (held) and refs version `refsBefore` was taken from, for each of
    /// `storage.entries` as they stood at its `entriesRevision` `entriesSeen` (index by
    /// index, so an unchanged repository costs no look-up): an unchanged pair means
    /// unchanged refs (in-memory repositories count every change).
    var versionBefore: [RefsVersion?] = []
    var keysBefore: [RepoKey] = []
    var entriesSeen: Int?
    /// The storage's refs epoch at the last snapshot: while it stands, no repository was
    /// created, deleted or had a ref moved, and the snapshot and judgement are skipped.
    var epochBefore: RepositoryStorage.RefsEpoch?

    func sent(_ e: NostrEvent) { sent[e.id] = e }

    /// A relay observation: kept until the end of its step, so that the decision it
    /// belongs to is predicted from the model as it was before the step. A crash's losses
    /// happen outside any step and apply at once.
    func record(_ o: Observation) {
        if case .left(let id, _, "crash-lost") = o {
            forgetWaiting(id)
            return
        }
        pending.append(o)
    }

    // MARK: the model's view

    func newestServed(_ s: Slot) -> NostrEvent? { served[s] }

    /// The owner's announcement for `d`: the newest version, served or waiting.
    func announcement(_ key: RepoKey) -> NostrEvent? {
        let s = newestServed(Slot(kind: Kinds.repoAnnouncement, pubkey: key.owner, d: key.d))
        guard let w = waitingAnnouncements[key]?.event else { return s }
        guard let s else { return w }
        return Self.newer(s, than: w) ? s : w
    }

    func owners(_ d: String) -> [String] {
        var o = Set(waitingAnnouncements.keys.filter { $0.d == d }.map(\.owner))
        for s in served.keys where s.kind == Kinds.repoAnnouncement && s.d == d { o.insert(s.pubkey) }
        return o.sorted()
    }

    /// The owner, its maintainers, theirs in their own announcements of `d`, and so on.
    func maintainers(_ key: RepoKey) -> Set<String> {
        var set: Set<String> = [key.owner]
        var stack = [key.owner]
        while let m = stack.popLast() {
            guard let e = announcement(RepoKey(owner: m, d: key.d)), let a = try? RepoAnnouncement(e) else { continue }
            for x in a.maintainers where set.insert(x).inserted { stack.append(x) }
        }
        return set
    }

    func lists(_ a: RepoAnnouncement, _ w: WorldView) -> Bool {
        a.cloneURLs.contains { $0.hasPrefix(w.config.gitBaseURL) }
            && a.relayURLs.contains { $0 == w.config.relayURL || $0 == w.config.relayURL + "/" }
    }

    /// The newest served state of `key`'s maintainers.
    func newestServedState(_ key: RepoKey, _ maint: Set<String>) -> NostrEvent? {
        var best: NostrEvent?
        for m in maint {
            if let s = newestServed(Slot(kind: Kinds.repoState, pubkey: m, d: key.d)),
                best.map({ Self.newer(s, than: $0) }) ?? true
            {
                best = s
            }
        }
        return best
    }

    /// A soft-expired announcement of `d` the relay forgets at its first sweep (or
    /// maintenance) after the retention: until the model knows it is gone, answers that
    /// depend on it are not predicted.
    func uncertain(_ d: String, _ t: SimTime, _ w: WorldView) -> Bool {
        for (k, v) in waitingAnnouncements where k.d == d {
            if let at = v.softExpiredAt, t >= at + w.config.softExpiryRetention - w.clockAllowance(nil, from: at, to: t)
            {
                return true
            }
        }
        return false
    }

    func forgetLongExpired(_ t: SimTime, _ w: WorldView, slack: SimDuration) {
        for (k, v) in waitingAnnouncements {
            if let at = v.softExpiredAt,
                t > at + w.config.softExpiryRetention + w.config.sweepInterval + slack
                    + w.clockAllowance(nil, from: at, to: t)
            {
                waitingAnnouncements[k] = nil
            }
        }
    }

    // MARK: stepping

    /// The end of a relay step: predict the step's decision from the model as it was,
    /// compare, then take in what the relay reported (judging each removal) and check the
    /// refs the step changed.
    func step(
        _ w: WorldView, _ t: SimTime, replica: String, mirrors: Set<RepoKey>, slack: SimDuration,
        fail: (String) -> Void
    ) {
        defer {
            pending.removeAll(keepingCapacity: true)
            snapshot(w)
        }
        guard !diverged else { return }
        let report: (String) -> Void = { [self] m in
            guard !diverged else { return }
            diverged = true
            fail(m)
        }
        forgetLongExpired(t, w, slack: slack)
        var pushes: [(repo: RepoKey, proposed: [String: ObjectID])] = []
        var acked: NostrEvent?
        for o in pending {
            switch o {
            case .acknowledged(let id, let accepted, let message):
                guard let e = sent[id] else { continue }
                acked = e
                judgeAnswer(e, accepted, message, w, t, report)
            case .push(let repo, let updates, let results, _):
                if let p = judgePush(repo, updates, results, w, t, report) { pushes.append((repo, p)) }
            default: break
            }
        }
        guard !diverged else { return }
        apply(pending, acked: acked, w, report)
        guard !diverged else { return }
        judgeRefChanges(w, pushes: pushes, mirrors: mirrors, report)
    }

    // MARK: pushes

    /// Judges a push; returns the refs it proposed when it was accepted.
    func judgePush(
        _ repo: RepoKey, _ updates: [RefUpdate], _ results: [RefResult], _ w: WorldView, _ t: SimTime,
        _ report: (String) -> Void
    ) -> [String: ObjectID]? {
        var result: [String: RefResult] = [:]
        for r in results { result[r.name] = r }
        func notDecided(_ r: RefResult?) -> Bool {
            guard let e = r?.error else { return false }
            return e.contains("stale info") || e.hasPrefix("unpack error") || e.hasPrefix("error:")
                || e == "not processed"
        }
        var proposed = refsBefore[repo] ?? [:]
        let normal = updates.filter { !$0.name.hasPrefix("refs/nostr/") }
        for u in normal { proposed[u.name] = u.isDelete ? nil : u.new }
        let accepted = !normal.isEmpty && normal.allSatisfy { result[$0.name]?.ok == true }
        if !normal.isEmpty, !normal.contains(where: { notDecided(result[$0.name]) }), !uncertain(repo.d, t, w) {
            let (authorized, why) = authorizes(repo, proposed, noOp: normal.allSatisfy(\.isNoOp))
            if accepted != authorized {
                report(
                    "push to \(repo) of \(describe(proposed)): the relay \(accepted ? "accepted" : "rejected (\(result[normal[0].name]?.error ?? ""))") it, the model \(authorized ? "authorizes" : "does not authorize") it: \(why())"
                )
                return nil
            }
        }
        for u in updates where u.name.hasPrefix("refs/nostr/") && !notDecided(result[u.name]) {
            let id = String(u.name.dropFirst("refs/nostr/".count))
            let known = (waitingPRs[id] ?? servedPRs[id])?.tagValue("c").flatMap(ObjectID.init(hex:))
            let ok =
                id.count == 64 && id.allSatisfy(\.isHexDigit) && id == id.lowercased() && !u.isDelete
                && (known == nil || known == u.new)
            let got = result[u.name]?.ok == true
            if got, known == nil, waitingPRs[id] == nil, servedPRs[id] == nil { placeholders[id] = repo }
            if got != ok {
                report(
                    "push to \(repo) of \(u.name)=\(u.new.hex.prefix(7)): the relay \(got ? "accepted" : "rejected") it, the model expects it \(ok ? "accepted" : "rejected")\(known.map { " (the pull request names \($0.hex.prefix(7)))" } ?? "")"
                )
                return nil
            }
        }
        return accepted ? proposed : nil
    }

    /// Late binding: the refs after the push equal a state of the repository's maintainers
    /// that is either the newest served one or waiting and not older than it.
    /// Whether the model authorizes the push, and why (worded only when a disagreement is
    /// reported: racing pushes are refused by the thousand, and the list of maintainers in
    /// the refusal was a percent of such a run).
    func authorizes(_ repo: RepoKey, _ proposed: [String: ObjectID], noOp: Bool) -> (Bool, why: () -> String) {
        if noOp { return (true, { "a push that changes nothing is always accepted" }) }
        let maint = maintainers(repo)
        let newest = newestServedState(repo, maint)
        var candidates = waitingStates.values.filter { s in
            s.dTag == repo.d && maint.contains(s.pubkey)
                && !(newest.map { $0.id != s.id && Self.newer($0, than: s) } ?? false)
        }
        if let newest { candidates.append(newest) }
        if let s = candidates.sorted(by: { Self.newer($0, than: $1) }).first(where: { CheckSuite.refs($0) == proposed })
        {
            return (true, { "state \(s.id.prefix(8)) by a maintainer names exactly these refs" })
        }
        let count = candidates.count
        return (
            false,
            {
                "no state of its maintainers \(maint.map { String($0.prefix(8)) }.sorted()) that may speak for it names exactly these refs (\(count) candidates)"
            }
        )
    }

    // MARK: taking in the step

    func apply(_ obs: [Observation], acked: NostrEvent?, _ w: WorldView, _ report: (String) -> Void) {
        var removedByDeletion: Set<String> = []
        // An entry released from purgatory is served in the same step.
        let servedNow = Set(
            obs.compactMap { o -> String? in if case .served(let e, _) = o { return e.id } else { return nil } })
        for case .left(let id, _, "released") in obs where !servedNow.contains(id) {
            report("\(id.prefix(8)) left purgatory as released but was not served")
            return
        }
        for o in obs {
            switch o {
            case .held(let e, _):
                switch e.kind {
                case Kinds.repoAnnouncement: waitingAnnouncements[RepoKey(owner: e.pubkey, d: e.dTag)] = (e, nil)
                case Kinds.repoState: waitingStates[e.id] = e
                case Kinds.pullRequest, Kinds.pullRequestUpdate:
                    waitingPRs[e.id] = e
                    placeholders[e.id] = nil  // the event took over (or dropped) its placeholder
                default: break
                }
            case .served(let e, _):
                if let s = Self.slot(e), let newest = newestServed(s), newest.id != e.id, Self.newer(newest, than: e) {
                    report(
                        "the relay served \(e.id.prefix(8)) (kind \(e.kind)) although version \(newest.id.prefix(8)) of the same slot, served earlier, is newer"
                    )
                    return
                }
                if e.kind == Kinds.repoState {
                    let speaksFor = owners(e.dTag).contains {
                        maintainers(RepoKey(owner: $0, d: e.dTag)).contains(e.pubkey)
                    }
                    if !speaksFor {
                        report(
                            "the relay served state \(e.id.prefix(8)) (\(e.dTag)) whose author maintains no repository of \(e.dTag)"
                        )
                        return
                    }
                }
                forgetWaiting(e.id)
                if let s = Self.slot(e) {
                    if let old = served[s] { servedIDs.remove(old.id) }
                    served[s] = e
                }
                if e.kind == Kinds.pullRequest || e.kind == Kinds.pullRequestUpdate {
                    servedPRs[e.id] = e
                    placeholders[e.id] = nil
                }
                servedIDs.insert(e.id)
            case .left(let id, _, let why):
                switch why {
                case "deleted":
                    removedByDeletion.insert(id)
                    forgetWaiting(id)
                case "replaced":
                    // The event being answered replaces it: same slot, newer.
                    guard let old = waitingEvent(id), let acked else { break }
                    if !(Self.slot(acked) == Self.slot(old) && Self.newer(acked, than: old)) {
                        report(
                            "waiting \(id.prefix(8)) left purgatory as replaced by \(acked.id.prefix(8)), which is not a newer version of it"
                        )
                        return
                    }
                    forgetWaiting(id)
                case "superseded":
                    if let old = waitingStates[id],
                        !(served[Slot(kind: old.kind, pubkey: old.pubkey, d: old.dTag)].map {
                            Self.newer($0, than: old)
                        } ?? false)
                    {
                        report(
                            "waiting state \(id.prefix(8)) left purgatory as superseded, but no newer state of its author is served"
                        )
                        return
                    }
                    waitingStates[id] = nil
                case "expired":
                    // An unclaimed placeholder's ref goes with it (replicas drop it in their
                    // next locked maintenance).
                    if let repo = placeholders.removeValue(forKey: id), w.lockService == nil,
                        w.storage.repository(repo)?.ref("refs/nostr/\(id)") != nil
                    {
                        report(
                            "git-first placeholder \(id.prefix(8)) expired but refs/nostr/\(id.prefix(8)) is still in \(repo)"
                        )
                        return
                    }
                    if let k = waitingAnnouncements.first(where: { $0.value.event.id == id })?.key {
                        waitingAnnouncements[k]?.softExpiredAt = w.now
                    } else {
                        forgetWaiting(id)
                        expiredAt[id] = w.now
                    }
                default: break  // released: the `served` that follows moves it
                }
            case .unserved(let ids, let why):
                if why.hasPrefix("deletion") { removedByDeletion.formUnion(ids) }
                for id in ids where why.hasPrefix("deletion") { unserve(id) }
            default: break
            }
        }
        judgeDeletion(acked, removedByDeletion, w, report)
    }

    /// A deletion removes exactly what it names among its author's events: by id, or by
    /// coordinate every version not newer than the request.
    func judgeDeletion(_ acked: NostrEvent?, _ removed: Set<String>, _ w: WorldView, _ report: (String) -> Void) {
        guard let del = acked, del.kind == Kinds.deletion else {
            if let id = removed.sorted().first {
                report("\(id.prefix(8)) was removed as deleted, but no deletion request was being processed")
            }
            return
        }
        guard let req = try? DeletionRequest(del) else { return }
        for id in req.eventIDs { deletedIDs.insert(del.pubkey + id) }
        for c in req.coordinates where c.pubkey == del.pubkey && c.kind != Kinds.deletion {
            let s = Slot(kind: c.kind, pubkey: c.pubkey, d: c.d)
            guard Self.hasSlots(kind: c.kind) else { continue }
            deletedUntil[s] = max(deletedUntil[s] ?? .min, del.createdAt)
        }
        func named(_ e: NostrEvent) -> Bool {
            guard e.pubkey == del.pubkey, e.kind != Kinds.deletion else { return false }
            if req.eventIDs.contains(e.id) { return true }
            guard let s = Self.slot(e) else { return false }
            return req.coordinates.contains {
                $0.kind == e.kind && $0.pubkey == e.pubkey && $0.d == s.d && e.createdAt <= del.createdAt
            }
        }
        for id in removed.sorted() {
            guard let e = sent[id] else { continue }
            if !named(e) {
                report(
                    "deletion \(del.id.prefix(8)) by \(del.pubkey.prefix(8)) removed \(id.prefix(8)) (kind \(e.kind), by \(e.pubkey.prefix(8))), which it does not name"
                )
                return
            }
        }
        // (A soft-expired announcement past its retention may be forgotten already.)
        var stillThere: [NostrEvent] = waitingStates.values.filter(named) + waitingPRs.values.filter(named)
        stillThere += waitingAnnouncements.values.map(\.event).filter { named($0) && !uncertain($0.dTag, w.now, w) }
        stillThere += served.values.filter(named)
        stillThere += servedPRs.values.filter(named)
        if let e = stillThere.sorted(by: { $0.id < $1.id }).first {
            report(
                "deletion \(del.id.prefix(8)) names \(e.id.prefix(8)) (kind \(e.kind)) of its author, which is still \(servedIDs.contains(e.id) ? "served" : "waiting")"
            )
        }
    }

    func waitingEvent(_ id: String) -> NostrEvent? {
        waitingStates[id] ?? waitingPRs[id] ?? waitingAnnouncements.values.first { $0.event.id == id }?.event
    }

    func forgetWaiting(_ id: String) {
        waitingStates[id] = nil
        waitingPRs[id] = nil
        if let k = waitingAnnouncements.first(where: { $0.value.event.id == id })?.key {
            waitingAnnouncements[k] = nil
        }
    }

    func unserve(_ id: String) {
        servedIDs.remove(id)
        servedPRs[id] = nil
        for (s, e) in served where e.id == id { served[s] = nil }
    }

    // MARK: refs

    /// A repository's refs change only to what an accepted push proposed or to the refs of
    /// a state of its maintainers.

    // MARK: the end

    /// Each slot serves its newest version that was served and not deleted.
    func finish(_ w: WorldView, _ t: SimTime, fail: (String) -> Void) {
        guard !diverged else { return }
        for s in served.keys.sorted() where s.kind == Kinds.repoAnnouncement || s.kind == Kinds.repoState {
            guard let want = newestServed(s), !uncertain(s.d, t, w) else { continue }
            let have = try? w.store.latest(ReplacementKey(kind: s.kind, pubkey: s.pubkey, d: s.d))
            if have?.id != want.id {
                diverged = true
                fail(
                    "slot \(s.kind):\(s.pubkey.prefix(8)):\(s.d) serves \(have.map { String($0.id.prefix(8)) } ?? "nothing"), the model's newest served version is \(want.id.prefix(8)) (created_at \(want.createdAt))"
                )
                return
            }
        }
    }
}
