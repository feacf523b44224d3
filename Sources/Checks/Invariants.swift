import Nostr
import Relay
import SimKernel

/// Runs the selected invariants over one run, live and at the end: it hands each history
/// entry to the selected families that declare its kind, and the end of every relay step
/// and the end of the run to every selected family (`InvariantFamily`), keeps what they
/// report, and notes the situations (coverage) the run created.
public final class CheckSuite {
    public private(set) var violations: [Violation] = []
    public let selected: Set<InvariantName>
    /// Keep reports readable: past this, further violations are counted, not kept.
    public var maxViolations = 20
    public private(set) var suppressed = 0
    /// Every report a family made, selected or not (the kind audit compares it).
    private(set) var reports = 0

    /// Situations this run created (see `Situation`).
    public internal(set) var situations: Set<Situation> = []
    /// For coverage: every event a client sent, by id; the newest version sent of each
    /// replaceable event; the announcement waiting for each repository (by id) and the
    /// states waiting; placeholders made and those that expired.
    var sentEvents: [String: NostrEvent] = [:]
    var versionsSent: [ReplacementKey: NostrEvent] = [:]
    private var heldAnnouncements: [String: RepoKey] = [:]
    private var waitingAnnouncement: [RepoKey: String] = [:]
    private var waitingStates: Set<String> = []
    private var placeholderIDs: Set<String> = []
    var expiredPlaceholders: Set<String> = []
    func waitingAnnouncementID(_ key: RepoKey) -> String? { waitingAnnouncement[key] }
    func sentEventByID(_ id: String) -> NostrEvent? { sentEvents[id] }
    /// The replicas' tenures and crashes, and the faults as [start, end) (one-off faults
    /// have start == end), for the situations this run created.
    var tenures = TenureLog()
    var faults = FaultSpans()

    /// The families whose invariants are selected.
    private(set) var families: [any InvariantFamily] = []
    /// Per `HistoryKinds` bit position, the families that read that kind of item.
    private var readers: [[any InvariantFamily]] = []
    private var violationSink: Violations { Violations(suite: self) }
    /// When set, each family is also handed the items it says it does not read, and the
    /// audit notes any that changed it (see `HistoryKindAudit`).
    public var kindAudit: HistoryKindAudit?

    public init(selected: [InvariantName]) {
        self.selected = selected.isEmpty ? Set(InvariantName.selectable) : Set(selected)
        setFamilies(Self.families().filter { !type(of: $0).invariants.isDisjoint(with: self.selected) })
    }

    /// Runs `families` (tests hand the suite a family of their own).
    func setFamilies(_ families: [any InvariantFamily]) {
        self.families = families
        readers = (0..<HistoryKinds.count).map { bit in
            families.filter { type(of: $0).observes.contains(HistoryKinds(rawValue: 1 << UInt16(bit))) }
        }
    }

    func on(_ name: InvariantName) -> Bool { selected.contains(name) }
    /// The families this suite runs, by type name (for tests and diagnostics).
    var familyNames: [String] { families.map { String(describing: type(of: $0)) } }

    public func fail(_ invariant: InvariantName, _ time: SimTime, _ node: String, _ message: String) {
        reports &+= 1
        guard on(invariant) else { return }
        if violations.count >= maxViolations {
            suppressed += 1
            return
        }
        violations.append(Violation(invariant: invariant, time: time, node: node, message: message))
    }

    // MARK: live

    public func observe(_ entry: HistoryEntry, _ w: WorldView) {
        let t = entry.time
        switch entry.item {
        case .relay(_, let obs):
            coverRelay(obs, w)
        case .published(_, _, let e, _):
            coverSent(e, w)
            sentEvents[e.id] = e
        case .replica:
            tenures.note(entry)
        case .fault(let text):
            faults.note(text, t)
        default: break
        }
        for family in readers[entry.item.kindIndex] { family.observe(entry, w, violationSink) }
        if let kindAudit {
            for family in families where !type(of: family).observes.contains(entry.item.kind) {
                kindAudit.deliverUndeclared(entry, to: family, in: self) { family.observe(entry, w, violationSink) }
            }
        }
    }

    /// Keeps what coverage needs of purgatory: which announcement and states wait, and
    /// which placeholders expired.
    private func coverRelay(_ obs: Observation, _ w: WorldView) {
        switch obs {
        case .held(let e, _):
            if e.kind == Kinds.repoAnnouncement {
                let key = RepoKey(owner: e.pubkey, d: e.dTag)
                heldAnnouncements[e.id] = key
                waitingAnnouncement[key] = e.id
            }
            if e.kind == Kinds.repoState, waitingStates.insert(e.id).inserted { coverHeldState(e, w) }
        case .left(let id, _, let why):
            waitingStates.remove(id)
            if why == "expired", placeholderIDs.contains(id) { expiredPlaceholders.insert(id) }
            if let key = heldAnnouncements[id], waitingAnnouncement[key] == id { waitingAnnouncement[key] = nil }
        case .placeholder(let id, _, _):
            placeholderIDs.insert(id)
        default: break
        }
    }

    /// After every relay input.
    public func afterRelayStep(_ w: WorldView, replica: String) {
        for family in families { family.afterRelayStep(w, replica: replica, violationSink) }
    }

    // MARK: end of run

    public func quiescence(reached: Bool, at t: SimTime, bound: SimTime) {
        if !reached {
            fail(
                .quiescence, t, "sim",
                "not quiescent by \(Time.format(bound)): messages or one-shot timers still pending after healing")
        }
    }

    public func finish(_ w: WorldView, healedAt: SimTime) {
        coverAtEnd(w)
        for family in families {
            family.finish(w, healedAt: healedAt, violationSink)
            situations.formUnion(family.situations)
        }
    }
}
