import Coordination
import GitStore
import Nostr
import Relay
import SimKernel

/// One smart-HTTP request to the git host, as a driver hands it over.
public enum GitRequestBody: Sendable {
    /// `GET …/info/refs`: the ref advertisement.
    case advertise
    /// `POST …/git-receive-pack`.
    case push(updates: [RefUpdate], pack: Pack)
    /// `POST …/git-upload-pack`.
    case fetch(wants: [ObjectID], haves: [ObjectID])
    /// The `git` programs receive a push (a real server): its pre-receive hook asks whether
    /// these updates may land…
    case proposePush(updates: [RefUpdate])
    /// …and its post-receive hook says they did.
    case pushApplied(updates: [RefUpdate])
}

/// Where a reconciliation fetches from and pushes to (SPEC §7).
public struct Upstream: Hashable, Sendable {
    public var domain: String
    public var branch: String
    public init(domain: String, branch: String) {
        self.domain = domain
        self.branch = branch
    }
}

/// Everything that can happen to a relay/git-host process. A driver (the simulator, a
/// real server) turns what it receives into these.
public enum ProcessInput {
    /// The process starts (first boot; a restart is `.restart`).
    case start
    /// A NIP-01 frame as text, or already parsed.
    case nostrText(ConnectionID, String, EventOrigin)
    case nostr(ConnectionID, ClientMessage, EventOrigin)
    case disconnect(ConnectionID)
    /// `GET /` with `Accept: application/nostr+json`.
    case nip11(RequestID)
    /// A git smart-HTTP request for `path` (`/<npub>/<d>.git`).
    case git(RequestID, path: String, GitRequestBody)
    /// The lock service answered command `command`.
    case lockReply(command: UInt64, LockReply)
    /// A remote git server answered (or could not be reached).
    case remoteReply(RemoteCallID, RemoteReply)
    /// A timer the process set fired.
    case timer(ProcessTimer)
    /// Objects reached `repo` outside a push the process saw (a real server's repositories
    /// at start, after a crash between git moving refs and its post-receive hook).
    case gitDataArrived(RepoKey)
    /// An operator asks for a reconciliation of `repo` with its upstream.
    case reconcile(RepoKey, upstream: Upstream)
    /// The process is asked to wind down: no new maintenance cycle starts and a running
    /// one stops after the identifier it is working on.
    case drain
    /// Graceful shutdown: purgatory is saved to its file, volatile state dropped.
    case shutdown
    /// The process comes back after a crash or a shutdown `downtime` long.
    case restart(graceful: Bool, downtime: SimDuration)
}

/// Every timer the process sets, typed.
public enum ProcessTimer: Equatable, Sendable {
    /// The periodic purgatory sweep.
    case sweep
    /// A replica's background maintenance cycle.
    case cycle
    /// The sync queue's timer of this number.
    case syncTick(timer: UInt64)
    /// A lock client timer (heartbeat, command timeout), by the client's timer id.
    case lock(UInt64)
    /// The next step of the running maintenance cycle of this generation.
    case cycleStep(generation: UInt64)
    /// Another lock acquisition for a push or advertisement op.
    case lockRetry(op: UInt64)
    /// A sync fetch that has not been answered.
    case fetchTimeout(request: UInt64)
    /// A reconciliation's remote request that has not been answered.
    case reconcileTimeout(run: UInt64)
}

/// Which outstanding request a remote's answer belongs to.
public enum RemoteCallID: Hashable, Sendable {
    /// A sync fetch, by the hunt queue's request number.
    case fetch(UInt64)
    /// A reconciliation's fetch or push, by its run number.
    case reconcile(UInt64)
}

/// A request to a git server on another domain.
public enum RemoteCall: Sendable {
    /// Every object the remote holds of the repository at `url` (a sync fetch).
    case fetch(domain: String, url: String)
    /// Refs and objects of the repository (an upstream fetch for reconciliation).
    case mirror(domain: String, identifier: String)
    /// Set these refs after taking the objects (a reconciliation push).
    case push(domain: String, identifier: String, refs: [(name: String, id: ObjectID)], pack: Pack)

    public var domain: String {
        switch self {
        case .fetch(let d, _), .mirror(let d, _), .push(let d, _, _, _): return d
        }
    }
}

/// A remote's answer.
public enum RemoteReply: Sendable {
    case objects(Pack)
    case mirror(refs: [(name: String, id: ObjectID)], pack: Pack)
    case pushed
    /// The remote has no such repository.
    case notFound
    /// Connection refused (the remote is down).
    case refused
    /// No such host.
    case unreachable
    /// An HTTP error status (429 when rate limiting).
    case status(Int)
}

/// Facts about what the process decided, for the checks: the relay core's, the lock
/// layer's and the sync layer's.
public enum ProcessObservation: Sendable {
    case relay(Observation)
    case replica(ReplicaEvent)
    case sync(SyncRecord)
}

/// What the process asks its driver to do, in order.
public enum ProcessEffect {
    case send(ConnectionID, RelayMessage)
    case reply(RequestID, GitReply)
    /// A command for the lock service (answered with `.lockReply`).
    case lock(command: UInt64, LockCommand)
    /// A request to a remote git server (answered with `.remoteReply`).
    case remote(RemoteCallID, RemoteCall)
    /// Fire `.timer(timer)` after `after` of the process's clock.
    case setTimer(after: SimDuration, ProcessTimer)
    case trace(String, [(String, String)])
    case observe(ProcessObservation)
    /// The relay core finished one input: its state is whole again (the checks look at
    /// repositories here, never between two writes of one step).
    case relayStepEnded
}

/// The driver side of one input: where effects go and where random draws come from.
/// Effects are delivered as they happen, so a driver that applies them at once sees
/// shared storage exactly as it was when each effect was made.
public protocol ProcessDriver: AnyObject {
    func emit(_ effect: ProcessEffect)
    func draw(_ range: ClosedRange<Int64>) -> Int64
}

/// What a driver lends the process for one input: its clock and itself.
public struct ProcessContext {
    public let now: LocalTime
    unowned(unsafe) let driver: any ProcessDriver
    /// `driver` must outlive the call this context is passed to.
    public init(now: LocalTime, driver: any ProcessDriver) {
        self.now = now
        self.driver = driver
    }
    func emit(_ effect: ProcessEffect) { driver.emit(effect) }
    func draw(_ range: ClosedRange<Int64>) -> Int64 { driver.draw(range) }
    /// A duration drawn uniformly from `range` (the same draw as over its nanoseconds).
    func draw(_ range: ClosedRange<SimDuration>) -> SimDuration {
        SimDuration(nanoseconds: driver.draw(range.lowerBound.nanoseconds...range.upperBound.nanoseconds))
    }
    func trace(_ kind: String, _ fields: [(String, String)] = []) { emit(.trace(kind, fields)) }
    func observe(_ o: ProcessObservation) { emit(.observe(o)) }
    func setTimer(after: SimDuration, _ timer: ProcessTimer) { emit(.setTimer(after: after, timer)) }
}
