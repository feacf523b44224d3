import GitStore
import Nostr
import Relay
import SimKernel

/// The relay model's judgement of the relay's answers to events: what it should answer
/// (served, waits, duplicate, rejected) from the model's own view, and why.
extension RelayModel {
    // MARK: answers to events

    func answer(_ accepted: Bool, _ message: String) -> Answer? {
        if !accepted { return message.hasPrefix("error:") ? nil : .rejected }
        if message.hasPrefix("duplicate:") { return .duplicate }
        if message.hasPrefix("purgatory:") { return .waits }
        return message.isEmpty ? .served : nil
    }

    func judgeAnswer(
        _ e: NostrEvent, _ accepted: Bool, _ message: String, _ w: WorldView, _ t: SimTime,
        _ report: (String) -> Void
    ) {
        guard let got = answer(accepted, message), let (expected, why) = predict(e, w, t), !expected.contains(got)
        else { return }
        let want = expected.map(\.rawValue).sorted().joined(separator: " or ")
        report(
            "event \(e.id.prefix(8)) (kind \(e.kind)\(e.dTag.isEmpty ? "" : ", \(e.dTag)")): the relay answered \(got.rawValue) (\"\(message)\"), the model expects \(want): \(why)"
        )
    }

    /// What the relay should answer to `e` now, and why; nil when the model cannot tell.
    func predict(_ e: NostrEvent, _ w: WorldView, _ t: SimTime) -> (Set<Answer>, String)? {
        guard var p = predictIgnoringExpiry(e, w, t) else { return nil }
        if let at = expiredAt[e.id], t < at + w.config.expiredMemory {
            p.0.insert(.rejected)
            p.1 += " (or refused: it expired from purgatory at \(Time.format(at)), and may come back by sync)"
        }
        return p
    }

    func predictIgnoringExpiry(_ e: NostrEvent, _ w: WorldView, _ t: SimTime) -> (Set<Answer>, String)? {
        if e.kind != Kinds.deletion {
            if deletedIDs.contains(e.pubkey + e.id) { return ([.rejected], "its author deleted it") }
            if let s = Self.slot(e), let until = deletedUntil[s], e.createdAt <= until {
                return ([.rejected], "its author deleted its slot up to \(until)")
            }
        }
        switch e.kind {
        case Kinds.repoAnnouncement: return predictAnnouncement(e, w, t)
        case Kinds.repoState: return predictState(e, w, t)
        case Kinds.pullRequest, Kinds.pullRequestUpdate:
            guard e.tagValue("c").flatMap(ObjectID.init(hex:)) != nil else {
                return ([.rejected], "a pull request needs a c tag")
            }
            let targets = e.tagValues("a").compactMap(ReplacementKey.init(coordinate:))
                .filter { $0.kind == Kinds.repoAnnouncement }.map { RepoKey(owner: $0.pubkey, d: $0.d) }
            if targets.contains(where: { uncertain($0.d, t, w) }) { return nil }
            if !targets.contains(where: { announcement($0) != nil }) {
                return ([.rejected], "it names no repository announced here")
            }
            return ([.served, .waits, .duplicate], "it names a repository announced here")
        case Kinds.deletion:
            return ([.served], "deletion requests are accepted")
        default:
            return nil
        }
    }

    func predictAnnouncement(_ e: NostrEvent, _ w: WorldView, _ t: SimTime) -> (Set<Answer>, String)? {
        guard let a = try? RepoAnnouncement(e), !a.identifier.isEmpty else { return ([.rejected], "no d tag") }
        let d = a.identifier
        if uncertain(d, t, w) { return nil }
        let key = RepoKey(owner: e.pubkey, d: d)
        let stored = newestServed(Slot(kind: Kinds.repoAnnouncement, pubkey: e.pubkey, d: d))
        let waiting = waitingAnnouncements[key]?.event
        if !lists(a, w) {
            let maintainer = owners(d).contains { maintainers(RepoKey(owner: $0, d: d)).contains(e.pubkey) }
            if !maintainer {
                return ([.rejected], "it does not list this service and its author maintains no repository of \(d)")
            }
            if let stored, !Self.newer(e, than: stored) {
                return ([.duplicate], "version \(stored.id.prefix(8)) served is as new or newer")
            }
            if let waiting, !Self.newer(e, than: waiting) {
                return ([.duplicate], "version \(waiting.id.prefix(8)) waiting is as new or newer")
            }
            return ([.served], "a maintainer may announce a copy hosted elsewhere")
        }
        if let stored, !Self.newer(e, than: stored) {
            return ([.duplicate], "version \(stored.id.prefix(8)) served is as new or newer")
        }
        if let stored, waiting == nil, reposBefore.contains(key),
            (try? RepoAnnouncement(stored)).map({ lists($0, w) }) == true
        {
            return ([.served], "it replaces served version \(stored.id.prefix(8)), hosted here")
        }
        if let waiting, !Self.newer(e, than: waiting) {
            return ([.duplicate], "version \(waiting.id.prefix(8)) waiting is as new or newer")
        }
        return (
            [.waits],
            waiting == nil
                ? "a new repository waits for its git data" : "it replaces waiting version \(waiting!.id.prefix(8))"
        )
    }

    func predictState(_ e: NostrEvent, _ w: WorldView, _ t: SimTime) -> (Set<Answer>, String)? {
        let d = e.dTag
        if uncertain(d, t, w) { return nil }
        if waitingStates[e.id] != nil { return ([.duplicate], "it waits already") }
        let owners = owners(d)
        if owners.isEmpty { return ([.rejected], "no announcement of \(d) is served or waiting") }
        let auth = owners.map { RepoKey(owner: $0, d: d) }.filter { maintainers($0).contains(e.pubkey) }
        if auth.isEmpty { return ([.rejected], "its author maintains no repository of \(d)") }
        if servedIDs.contains(e.id) { return ([.duplicate], "it is served already") }
        if let s = newestServed(Slot(kind: Kinds.repoState, pubkey: e.pubkey, d: d)), !Self.newer(e, than: s) {
            return ([.duplicate], "state \(s.id.prefix(8)) served is as new or newer")
        }
        let tips = Array(CheckSuite.refs(e).values)
        // (A repository the state itself revives — its soft-expired announcement's — counts.)
        let home = auth.contains(where: w.storage.exists)
        if home, w.storage.keys.contains(where: { $0.d == d && w.storage.repository($0)?.isComplete(tips) == true }) {
            // Replicas apply it in their next locked maintenance instead.
            return w.lockService == nil
                ? ([.served], "its objects are in a repository of \(d)")
                : ([.waits], "replicas apply a state only under its repository's lock, in maintenance")
        }
        return ([.waits], home ? "its objects are in no repository of \(d)" : "no repository it speaks for exists here")
    }
}
