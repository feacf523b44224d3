import Nostr
import Relay
import SimKernel
import Sync

/// Situations a sweep should create, each a place where a real implementation has gone
/// wrong. A run notes which ones it created, judged from its history and the shared
/// stores like the checks (never from the relay's own account); sweeps count them and
/// show a situation no run created as a gap.
public enum Situation: String, CaseIterable, Sendable, Comparable {
    case announcementElsewhereByMaintainer = "announcement-elsewhere-by-maintainer"
    case olderVersionAfterNewerWaits = "older-version-after-newer-waits"
    case twoOwnersOneDeleted = "two-owners-one-deleted"
    case stateAuthorizedForOneOwnerOnly = "state-authorized-for-one-owner-only"
    case equalCreatedAt = "equal-created-at"
    case lateStateExtendsAnnouncement = "late-state-extends-announcement"
    case prAfterPlaceholderExpired = "pr-after-placeholder-expired"
    case backoffHeldAtCap = "backoff-held-at-cap"
    case leaseHeldPastTTL = "lease-held-past-ttl"
    case holderCrashedHolding = "holder-crashed-holding"

    public static func < (a: Situation, b: Situation) -> Bool { a.rawValue < b.rawValue }

    public var summary: String {
        switch self {
        case .announcementElsewhereByMaintainer:
            return "an announcement that does not list this service, by a maintainer of that identifier"
        case .olderVersionAfterNewerWaits:
            return "an older version of a replaceable event arrives while a newer one waits in purgatory"
        case .twoOwnersOneDeleted: return "two owners announce one identifier and one of them deletes (kind 5)"
        case .stateAuthorizedForOneOwnerOnly:
            return "a waiting state authorized for one owner's repository but not another's"
        case .equalCreatedAt: return "two versions of a replaceable event with equal created_at (lowest id wins)"
        case .lateStateExtendsAnnouncement:
            return "a state extends an announcement that had waited over half the purgatory ttl"
        case .prAfterPlaceholderExpired: return "a PR event arrives after its git-first placeholder expired"
        case .backoffHeldAtCap:
            return "a hunt's backoff reaches its cap and holds it for two attempts on answering servers"
        case .leaseHeldPastTTL:
            return "a lock holder works longer than the ttl with no fault injected (only heartbeats keep it)"
        case .holderCrashedHolding: return "a replica crashes while holding a repository's lease"
        }
    }
}

extension CheckSuite {
    /// Notes situations visible when a client sends an event (every attempt).
    func coverSent(_ e: NostrEvent, _ w: WorldView) {
        if let key = e.replacementKey {
            if let other = versionsSent[key], other.id != e.id, other.createdAt == e.createdAt {
                situations.insert(.equalCreatedAt)
            }
            if versionsSent[key].map({ e.supersedes($0) }) ?? true { versionsSent[key] = e }
        }
        switch e.kind {
        case Kinds.repoAnnouncement:
            let key = RepoKey(owner: e.pubkey, d: e.dTag)
            if !Self.listsService(w, e),
                Self.owners(w, e.dTag).contains(where: {
                    Self.maintainers(w, RepoKey(owner: $0, d: e.dTag)).contains(e.pubkey)
                })
            {
                situations.insert(.announcementElsewhereByMaintainer)
            }
            if let waiting = waitingAnnouncementEvent(key), waiting.supersedes(e) {
                situations.insert(.olderVersionAfterNewerWaits)
            }
        case Kinds.repoState:
            if w.purgatories.contains(where: { p in
                p.purgatory.states[e.dTag]?.contains { $0.event.pubkey == e.pubkey && $0.event.supersedes(e) } == true
            }) {
                situations.insert(.olderVersionAfterNewerWaits)
            }
        case Kinds.deletion:
            let targets = Set(e.tagValues("e")).union(e.tagValues("a"))
            for d in Set(sentAnnouncementIdentifiers(targets)) where Self.owners(w, d).count >= 2 {
                situations.insert(.twoOwnersOneDeleted)
            }
        case Kinds.pullRequest, Kinds.pullRequestUpdate:
            if expiredPlaceholders.contains(e.id) { situations.insert(.prAfterPlaceholderExpired) }
        default: break
        }
    }

    /// Notes situations visible when a state starts waiting.
    func coverHeldState(_ e: NostrEvent, _ w: WorldView) {
        let owners = Self.owners(w, e.dTag)
        guard owners.count >= 2 else { return }
        let authorized = owners.map { Self.maintainers(w, RepoKey(owner: $0, d: e.dTag)).contains(e.pubkey) }
        if authorized.contains(true) && authorized.contains(false) {
            situations.insert(.stateAuthorizedForOneOwnerOnly)
        }
    }

    private func waitingAnnouncementEvent(_ key: RepoKey) -> NostrEvent? {
        guard let id = waitingAnnouncementID(key) else { return nil }
        return sentEventByID(id)
    }

    /// Identifiers of the announcements a deletion names (by id or by coordinate).
    private func sentAnnouncementIdentifiers(_ targets: Set<String>) -> [String] {
        var out: [String] = []
        for t in targets {
            if let e = sentEventByID(t), e.kind == Kinds.repoAnnouncement { out.append(e.dTag) }
            if let identifier = repoIdentifier(inCoordinate: t) { out.append(identifier) }
        }
        return out
    }

    /// End of run: situations judged over the whole run.
    func coverAtEnd(_ w: WorldView) {
        // Tenures longer than the ttl with no fault injected.
        var since: [String: SimTime] = [:]
        for c in tenures.changes {
            let k = c.replica + "|" + c.lock
            if c.granted {
                since[k] = c.time
                continue
            }
            if let s = since.removeValue(forKey: k), c.time - s > w.lockOptions.ttl, faults.free(from: s, to: c.time) {
                situations.insert(.leaseHeldPastTTL)
            }
        }
        for crash in tenures.crashes {
            var holding: [String: Bool] = [:]
            for c in tenures.changes where c.replica == crash.replica && c.time <= crash.time {
                holding[c.lock] = c.granted
            }
            if holding.values.contains(true) { situations.insert(.holderCrashedHolding) }
        }
    }
}
