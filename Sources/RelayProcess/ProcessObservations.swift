import GitStore
import Relay
import SimKernel
import Sync

/// The sync layer's facts: what the hunt queue was told and what it did, the fetches
/// actually sent and answered, and reconciliations. They carry no instants of the
/// process's clock, only lengths from the moment they are recorded, so a driver keeps
/// them as they are beside its own clock.
public enum SyncRecord: Sendable {
    /// The queue was told an event for `identifier` waits (origin user or sync).
    case waiting(identifier: String, origin: EventOrigin)
    /// An attempt started, fetching from sources on these domains (one entry per source).
    case attemptStarted(identifier: String, attempt: Int, domains: [String])
    /// Every fetch of the identifier's attempt ended; the next one is due `nextIn` later.
    case attemptEnded(identifier: String, nextIn: SimDuration)
    /// The hunt ended: `satisfied`, `expired` or `give-up`.
    case huntEnded(identifier: String, why: String)
    /// A synced event for an expired identifier was ignored (SPEC §8.13).
    case ignoredExpired(identifier: String)
    /// A fetch request went out to a remote.
    case fetchStarted(request: UInt64, identifier: String, domain: String)
    /// It ended (answer or timeout) with this outcome.
    case fetchEnded(request: UInt64, identifier: String, domain: String, outcome: FetchOutcome, objects: Int)
    /// The domain is blocked for `blockedFor` from now.
    case domainBlocked(domain: String, blockedFor: SimDuration)
    /// The relay process lost its sync state (crash or restart): in-flight accounting restarts.
    case reset
    case reconciled(ReconcileRecord)
}

/// One reconciliation as the relay ran it, with what the checks need to judge it.
public struct ReconcileRecord: Sendable {
    public var repo: RepoKey
    public var branch: String
    public var domain: String
    public var outcome: ReconcileOutcome
    /// The local branch before, and the upstream branch as the remote actually answered
    /// (nil: absent; `remoteAnswered` false: no answer).
    public var localBefore: ObjectID?
    public var remoteAnswered: Bool
    public var remoteBefore: ObjectID?
    public var localAfter: ObjectID?
    public var conflictBranch: String?
    public var pushFailed: Bool
    public init(
        repo: RepoKey, branch: String, domain: String, outcome: ReconcileOutcome,
        localBefore: ObjectID?, remoteAnswered: Bool, remoteBefore: ObjectID?,
        localAfter: ObjectID?, conflictBranch: String?, pushFailed: Bool
    ) {
        self.repo = repo
        self.branch = branch
        self.domain = domain
        self.outcome = outcome
        self.localBefore = localBefore
        self.remoteAnswered = remoteAnswered
        self.remoteBefore = remoteBefore
        self.localAfter = localAfter
        self.conflictBranch = conflictBranch
        self.pushFailed = pushFailed
    }
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
    /// The replica's process crashed (it holds nothing any more, whatever the service says).
    case crashed
}
