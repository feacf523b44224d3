import SimKernel
import Nostr
import GitStore
import Relay
import Coordination

/// One fact of a run's history, in time order: the relay's own decisions plus what the
/// clients saw. The invariants read these.
public enum HistoryItem {
    case relay(replica: String, Observation)
    /// A client sent an event for a scenario step (every attempt).
    case published(step: String, actor: String, event: NostrEvent, attempt: Int)
    /// A client received an OK.
    case okReceived(step: String, actor: String, eventID: String, accepted: Bool, message: String)
    /// A client got a push answer (per-ref results, or an HTTP error line).
    case pushAnswered(step: String, actor: String, repo: RepoKey?, results: [RefResult], httpError: String?)
    /// A client finished a clone: the HEAD it got and whether every object arrived.
    case cloned(step: String, actor: String, head: String?, refs: [(name: String, id: ObjectID)], complete: Bool)
    /// The final outcome of a step after its retries.
    case stepOutcome(step: String, accepted: Bool, message: String)
    /// A frame a client received (for well-formedness checks).
    case clientReceived(actor: String, RelayMessage)
    /// A fault started or ended, or healing began.
    case fault(String)
    /// Something a replica's lock layer did (replicated deployments).
    case replica(replica: String, ReplicaEvent)
}

public enum ReplicaEvent: Sendable {
    case cycleStarted
    case cycleEnded
    case lockGranted(repo: String, token: UInt64?)
    case lockDenied(repo: String, reason: String)
    case lockAborted(repo: String, reason: String)
    /// The replica let go of the lock (its own view, whatever the service thinks).
    case lockReleased(repo: String)
    /// A push answered with an HTTP error before (or, when broken, after) touching refs.
    case pushRefused(repo: RepoKey, status: Int, before: [String: ObjectID], after: [String: ObjectID])
    /// An advertisement was answered with this HEAD.
    case advertised(repo: RepoKey, head: String?)
}

public struct HistoryEntry {
    public var time: SimTime
    public var item: HistoryItem
    public init(time: SimTime, item: HistoryItem) { self.time = time; self.item = item }
}

/// A broken invariant: which, when, where, and the records involved.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    public var invariant: String
    public var time: SimTime
    public var node: String
    public var message: String
    public init(invariant: String, time: SimTime, node: String, message: String) {
        self.invariant = invariant; self.time = time; self.node = node; self.message = message
    }
    public var description: String { "[\(invariant)] at \(Time.format(time)) on \(node): \(message)" }
}

/// One command the lock service executed: who sent it and what the key held before.
public struct LockCommandRecord: Sendable {
    public var time: SimTime
    public var sender: String
    public var command: LockCommand
    public var valueBefore: String?
    public init(time: SimTime, sender: String, command: LockCommand, valueBefore: String?) {
        self.time = time; self.sender = sender; self.command = command; self.valueBefore = valueBefore
    }
}
