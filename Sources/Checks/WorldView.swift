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
    /// How far, in all, `node`'s clock reading jumped when a `skew` fault set it within
    /// [from, to] (a replica's name, or `locks` for the lock service), as the simulator
    /// applied it; 0 when its clock was never set, or only at the very start.
    func clockJumps(node: String, from: SimTime, to: SimTime) -> SimDuration
    /// The same, summed over every replica, from the start of the run to `t`.
    func replicaClockJumps(through t: SimTime) -> SimDuration
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
    /// Commands the lock service executed, with senders.
    var lockCommands: [LockCommandRecord] { get }
    /// A replicated deployment's maintenance settings (each replica starts a cycle every
    /// `interval`; a cycle holds each repository for two steps); nil for a single relay.
    var maintenance: (interval: SimDuration, step: SimDuration)? { get }
}

extension WorldView {
    /// How much shorter or longer in global time a duration a replica measured by its own
    /// clock, and that ended by `t`, can be: the run's largest drift accumulated from the
    /// start, plus every jump of a replica's clock so far (a `skew` fault that starts or
    /// ends mid-run steps the clock). Zero when no clock drifts or is stepped.
    func clockAllowance(at t: SimTime) -> SimDuration {
        driftAllowance(over: t - .zero) + replicaClockJumps(through: t)
    }

    /// The same for a duration `node` measured within [from, to] (the lock service's lease
    /// deadlines, say): the largest drift over that span plus the node's own clock jumps
    /// in it.
    func clockAllowance(node: String, from: SimTime, to: SimTime) -> SimDuration {
        driftAllowance(over: to - from) + clockJumps(node: node, from: from, to: to)
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
