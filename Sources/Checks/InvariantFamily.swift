import SimKernel

/// An invariant family as a value: one file that owns its state and judges the run from
/// the history and the world's read-only views. `CheckSuite` hands each family whose
/// invariants are selected the history entries of the kinds it declares (`observes`), the
/// end of every relay step and the end of the run; a family reports through the
/// `Violations` it is given.
///
/// Adding an invariant: a case (with its one-line summary) in `InvariantName`, a family
/// file, and a line in `CheckSuite.families`.
public protocol InvariantFamily: AnyObject {
    /// The invariants this family can report.
    static var invariants: Set<InvariantName> { get }
    /// The history items `observe` reads: it is handed only these (no default, so every
    /// family states it; `HistoryKindAuditTests` checks the statements against runs).
    static var observes: HistoryKinds { get }
    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations)
    func afterRelayStep(_ w: WorldView, replica: String, _ violations: Violations)
    func finish(_ w: WorldView, healedAt: SimTime, _ violations: Violations)
    /// Situations (coverage) the family's judgements saw; read after `finish`.
    var situations: Set<Situation> { get }
}

extension InvariantFamily {
    public func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {}
    public func afterRelayStep(_ w: WorldView, replica: String, _ violations: Violations) {}
    public func finish(_ w: WorldView, healedAt: SimTime, _ violations: Violations) {}
    public var situations: Set<Situation> { [] }
}

/// Where a family reports: the suite keeps a violation when its invariant is selected.
public struct Violations {
    /// The suite outlives every call a family is handed this in (it is made per call), so
    /// no reference counting is spent on it. A family must never keep a `Violations` past
    /// the call it was given in.
    unowned(unsafe) let suite: CheckSuite
    /// The invariants selected for this run (a family may skip work for the others).
    public var selected: Set<InvariantName> { suite.selected }
    public func fail(_ invariant: InvariantName, _ time: SimTime, _ node: String, _ message: String) {
        suite.fail(invariant, time, node, message)
    }
}

extension CheckSuite {
    /// Every family. Quiescence and expectations are judged by the harness itself.
    static func families() -> [any InvariantFamily] {
        [
            WellFormedReplies(), StoreReadable(), ReplicaOperations(), PushAvailability(), PurgatorySettles(),
            NoAcknowledgedLoss(), OKNamesSentEvent(), LockSafety(), LeaseLiveness(), SyncProgress(),
            RelayModelCheck(), PurgatoryTiming(), ServedHasGitData(), LateBinding(), RefsFollowStates(),
        ]
    }
}
