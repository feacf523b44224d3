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
