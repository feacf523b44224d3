import GitStore
import Nostr
import SimKernel
import Synchronization

/// Events accepted but not yet served because their git data has not arrived (SPEC §4).
/// Volatile: lost on a crash, saved as a `PurgatorySnapshot` on graceful shutdown.
public struct Purgatory: Sendable {
    public struct AnnouncementEntry: Sendable, Equatable {
        public var event: NostrEvent
        public var deadline: LocalTime
        /// The repo was deleted at expiry; the event is kept until `forgetAt` so a late
        /// state can revive it.
        public var softExpired = false
        public var forgetAt: LocalTime? = nil
        public init(event: NostrEvent, deadline: LocalTime, softExpired: Bool = false, forgetAt: LocalTime? = nil) {
            self.event = event
            self.deadline = deadline
            self.softExpired = softExpired
            self.forgetAt = forgetAt
        }
    }
    public struct StateEntry: Sendable {
        public var event: NostrEvent
        public var deadline: LocalTime
        public var source: EventOrigin
        public init(event: NostrEvent, deadline: LocalTime, source: EventOrigin) {
            self.event = event
            self.deadline = deadline
            self.source = source
        }
    }
    /// A PR or PR update waiting for `refs/nostr/<id>`; `event == nil` is a PLACEHOLDER:
    /// the push came first and waits for its event.
    public struct PREntry: Sendable {
        public var event: NostrEvent?
        public var repo: RepoKey
        public var commit: ObjectID?
        public var deadline: LocalTime
        public init(event: NostrEvent?, repo: RepoKey, commit: ObjectID?, deadline: LocalTime) {
            self.event = event
            self.repo = repo
            self.commit = commit
            self.deadline = deadline
        }
    }

    public var announcements: [RepoKey: AnnouncementEntry] = [:]
    /// By identifier (`d`); several authors may wait on one identifier.
    public var states: [String: [StateEntry]] = [:]
    public var prs: [String: PREntry] = [:]
    /// Ids of events that expired without git data → when to forget them.
    public var expired: [String: LocalTime] = [:]

    /// Repository work deferred to the next locked maintenance of that repo (replicas):
    /// placeholder refs to drop, and repos whose announcement was deleted.
    public struct RefDrop: Hashable, Comparable, Sendable {
        public var repo: RepoKey
        public var id: String
        public init(repo: RepoKey, id: String) {
            self.repo = repo
            self.id = id
        }
        public static func < (a: RefDrop, b: RefDrop) -> Bool { (a.repo, a.id) < (b.repo, b.id) }
    }
    public var refDrops: Set<RefDrop> = []
    public var repoDeletes: Set<RepoKey> = []

    public init() {}

    public var isEmpty: Bool { announcements.isEmpty && states.isEmpty && prs.isEmpty }

    public func state(id: String) -> StateEntry? {
        for d in states.keys.sorted() { if let e = states[d]!.first(where: { $0.event.id == id }) { return e } }
        return nil
    }

    /// Every waiting event id (for checks and reports), sorted.
    public var waitingIDs: [String] {
        var ids = announcements.values.filter { !$0.softExpired }.map(\.event.id)
        ids += states.values.flatMap { $0.map(\.event.id) }
        ids += prs.compactMap { $0.value.event?.id }
        return ids.sorted()
    }
}

/// Purgatory saved at graceful shutdown. Its times are on a clock whose zero is the moment
/// of saving (each is the offset from the shutdown), so the snapshot does not depend on the
/// clock it was saved under.
public struct PurgatorySnapshot: Sendable {
    public var purgatory: Purgatory
    public var savedAt: LocalTime

    /// Offsets make the snapshot independent of the clock; `restore` subtracts downtime.
    public init(_ p: Purgatory, now: LocalTime) {
        purgatory = p.retimed { LocalTime(sinceZero: $0 - now) }
        savedAt = now
    }

    /// A snapshot read back from a file: `purgatory`'s times are already offsets.
    public init(relative purgatory: Purgatory, savedAt: LocalTime) {
        self.purgatory = purgatory
        self.savedAt = savedAt
    }

    /// Deadlines at `now`, after `downtime` spent down: each offset loses the downtime.
    public func restore(now: LocalTime, downtime: SimDuration) -> Purgatory {
        let base = now - downtime
        return purgatory.retimed { base + $0.sinceZero }
    }
}

extension Purgatory {
    /// The same entries with every time (deadlines, forget times, expiry times) mapped.
    func retimed(_ map: (LocalTime) -> LocalTime) -> Purgatory {
        var q = self
        for k in q.announcements.keys {
            q.announcements[k]!.deadline = map(q.announcements[k]!.deadline)
            if let f = q.announcements[k]!.forgetAt { q.announcements[k]!.forgetAt = map(f) }
        }
        for d in q.states.keys {
            for i in q.states[d]!.indices { q.states[d]![i].deadline = map(q.states[d]![i].deadline) }
        }
        for k in q.prs.keys { q.prs[k]!.deadline = map(q.prs[k]!.deadline) }
        for k in q.expired.keys { q.expired[k]! = map(q.expired[k]!) }
        return q
    }
}

/// Where a relay keeps its purgatory. A single relay owns its box (lost on a crash);
/// replicas share one box, the way they share the event store.
public final class PurgatoryBox {
    /// Counts every change, so a driver keeping a file of it knows when to write.
    public private(set) var revision = 0
    /// Counts changes of the waiting announcements only (what decides maintainer sets).
    /// Each box starts from its own base (a process-wide count of boxes in the high bits):
    /// a box that replaces one lost in a crash never repeats a revision the old one had, so
    /// callers keying caches on it (or on a sum of them) see the change.
    public private(set) var announcementsRevision =
        PurgatoryBox.boxesMade.wrappingAdd(1, ordering: .relaxed).newValue << 32
    private static let boxesMade = Atomic<Int>(0)
    public var value = Purgatory() {
        didSet {
            revision &+= 1
            if oldValue.announcements != value.announcements { announcementsRevision &+= 1 }
        }
    }
    public init() {}
}
