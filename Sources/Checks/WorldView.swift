import Coordination
import EventStore
import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel

/// What the checks may look at besides the history: the shared stores and the replicas'
/// purgatories. The checks compute maintainer sets and state refs on their own (an
/// independent oracle), never by asking the relay under test.
public protocol WorldView: AnyObject {
    var now: SimTime { get }
    var config: RelayConfig { get }
    var store: EventStore { get }
    var storage: RepositoryStorage { get }
    var purgatories: [(replica: String, purgatory: Purgatory)] { get }
    var purgatoryAnnouncementsRevision: Int { get }  // changes with any waiting announcement
    /// Time `replica` spent paused or down within [from, to].
    func unavailable(replica: String, from: SimTime, to: SimTime) -> SimDuration
    /// A reading of `replica`'s own clock as a global instant (by its clock's offset now).
    func globalTime(_ t: LocalTime, replica: String) -> SimTime
    /// The latest global instant a reading of any replica's clock can mean (an entry of a
    /// purgatory the replicas share was timed by whichever replica made it).
    func latestGlobalTime(_ t: LocalTime) -> SimTime
    /// The fastest or slowest any node's clock runs in this run, in parts per million
    /// (`skew` faults with `drift_ppm`; 0 when no clock drifts).
    var maxDriftPPM: Int64 { get }
    /// How far, in all, a clock's reading jumped when a `skew` fault set it within
    /// [from, to], as the simulator applied it: `node` a replica's name or `locks` (the
    /// lock service), nil for every clock that times the relay's work (each replica's and
    /// the lock service's). 0 when no clock was set after the start of the run.
    func clockJumps(node: String?, from: SimTime, to: SimTime, forwardOnly: Bool) -> SimDuration
    /// How far apart the replicas' clocks read now (the latest minus the earliest; 0 for
    /// a single relay or clocks that agree).
    var replicaClockSpread: SimDuration { get }
    /// The lock service of a replicated deployment (nil for a single relay).
    var lockService: LockServiceModel? { get }
    /// Lease values currently held by live operations of running replicas.
    var activeLeases: Set<String> { get }
    /// Longest a legitimate holder keeps one lease (ttl plus the longest locked operation).
    var maxTenure: SimDuration { get }
    var max503Share: Double { get }
    /// The lock client's options (ttl, heartbeat period, command timeout).
    var lockOptions: LockOptions { get }
    /// Longest a crashed holder's lease may outlive the crash.
    var maxLockedAfterCrash: SimDuration { get }
    /// The scenario network's largest latency and its loss rate (for judging whether
    /// heartbeats could have arrived).
    var networkLatencyMax: SimDuration { get }
    var networkLoss: Double { get }
    var networkReorder: Double { get }
    var networkDuplicate: Double { get }
    /// Commands the lock service executed, with senders.
    var lockCommands: [LockCommandRecord] { get }
    /// A replicated deployment's maintenance settings (each replica starts a cycle every
    /// `interval`; a cycle holds each repository for two steps); nil for a single relay.
    var maintenance: (interval: SimDuration, step: SimDuration)? { get }
}

extension WorldView {
    /// How much shorter or longer in global time a wait `node` timed on its own clock over
    /// [from, to], and judged now, can be: the run's largest drift over that span plus the
    /// jumps of that clock within it (`node` as for `clockJumps`). nil: a wait in a
    /// purgatory the replicas share, timed on the clock of the replica that made it and
    /// ended on the clock of the one that sweeps it — any replica's or the lock service's
    /// jumps, plus how far apart the replicas' clocks read. Zero when every clock agrees
    /// with the global one and none was set after the start.
    func clockAllowance(_ node: String?, from: SimTime, to: SimTime) -> SimDuration {
        driftAllowance(over: to - from) + clockJumps(node: node, from: from, to: to)
            + (node == nil ? replicaClockSpread : 0)
    }

    /// For a late bound on a wait timed from `since`: also the drift and forward jumps
    /// before it. A timer the relay armed earlier, for an earlier wake-up it keeps, can wake
    /// it that much late (a backward jump before the wait cannot).
    func lateClockAllowance(_ node: String?, since: SimTime, to t: SimTime) -> SimDuration {
        clockAllowance(node, from: since, to: t) + driftAllowance(over: since - .zero)
            + clockJumps(node: node, from: .zero, to: since, forwardOnly: true)
    }

    func clockJumps(node: String?, from: SimTime, to: SimTime) -> SimDuration {
        clockJumps(node: node, from: from, to: to, forwardOnly: false)
    }

    /// How much a span measured by a node's clock can differ from the global clock by the
    /// run's largest drift, rounded up to the nanosecond.
    func driftAllowance(over span: SimDuration) -> SimDuration {
        let ppm = maxDriftPPM
        guard ppm > 0, span > 0 else { return 0 }
        let n = span.nanoseconds
        return Time.ns(n / 1_000_000 * ppm + ((n % 1_000_000) * ppm + 999_999) / 1_000_000)
    }
}
