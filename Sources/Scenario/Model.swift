import SimKernel

/// Where something is in a scenario file. `description` is `file:line:column`.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
    public static let unknown = SourceLocation(file: "<generated>", line: 0, column: 0)
}

/// A scenario that does not validate: the place and the reason.
public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }
    public var description: String { "\(location): error: \(message)" }
}

/// One scenario file, decoded and validated. Times are offsets from the start of the run.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    public var file: String
    /// The run stops here (default 60m).
    public var duration: SimDuration
    /// Faults stop and links heal here; liveness is judged after it (default: `duration`
    /// minus `quiescenceBound`, or the end of the last fault, whichever is later... see docs).
    public var healAt: SimDuration?
    /// After healing, the system must be quiescent and every waiting entry settled within this.
    public var quiescenceBound: SimDuration
    /// Configuration overrides of the reference implementation (`purgatory_ttl: 30m`).
    public var config: [ConfigOverride]
    public var actors: [ActorSpec]
    public var relays: [RelaySpec]
    public var repos: [RepoSpec]
    /// Git servers on other domains (mirrors, upstreams) the relay can fetch from.
    public var remotes: [RemoteSpec]
    /// Default link between clients and relays.
    public var network: LinkSpec
    public var steps: [StepSpec]
    public var faults: [FaultSpec]
    public var randomFaults: RandomFaultSpec?
    public var expectations: [Expectation]
    /// Invariant names to check; empty means every invariant that applies.
    public var invariants: [InvariantName]

    public init(name: String, file: String) {
        self.name = name
        self.description = ""
        self.file = file
        duration = Time.min(60)
        healAt = nil
        quiescenceBound = Time.min(35)
        config = []
        actors = []
        relays = []
        repos = []
        remotes = []
        network = LinkSpec()
        steps = []
        faults = []
        randomFaults = nil
        expectations = []
        invariants = []
    }
}

public struct ConfigOverride: Hashable, Sendable {
    public var key: String
    public var value: String
    public var location: SourceLocation
    public init(key: String, value: String, location: SourceLocation) {
        self.key = key
        self.value = value
        self.location = location
    }
}

/// A person with a keypair derived from the name. Each actor gets one client node.
public struct ActorSpec: Hashable, Sendable {
    public var name: String
    /// The relay this actor's client talks to (default: the first relay).
    public var relay: String?
    public var location: SourceLocation
    public init(name: String, relay: String? = nil, location: SourceLocation) {
        self.name = name
        self.relay = relay
        self.location = location
    }
}

public struct RelaySpec: Hashable, Sendable {
    public var name: String
    /// The domain in clone and relay URLs (`https://<domain>/<npub>/<d>.git`, `wss://<domain>`).
    public var domain: String
    public var replicas: Int
    public var location: SourceLocation
    public init(name: String, domain: String, replicas: Int = 1, location: SourceLocation) {
        self.name = name
        self.domain = domain
        self.replicas = replicas
        self.location = location
    }
}

/// A repository: its identifier (`d`), owner, maintainers and a commit history every
/// client has locally (what it pushes comes from here).
public struct RepoSpec: Hashable, Sendable {
    public var name: String
    public var identifier: String
    public var owner: String
    public var maintainers: [String]
    public var commits: [CommitSpec]
    /// The owner's copy on the relay mirrors this upstream (SPEC §7); `reconcile` steps use it.
    public var upstream: UpstreamSpec?
    public var location: SourceLocation
    public init(
        name: String, identifier: String, owner: String, maintainers: [String] = [],
        commits: [CommitSpec] = [], upstream: UpstreamSpec? = nil, location: SourceLocation
    ) {
        self.name = name
        self.identifier = identifier
        self.owner = owner
        self.maintainers = maintainers
        self.commits = commits
        self.upstream = upstream
        self.location = location
    }
}

/// `upstream: {domain: up.example, branch: main}`: the remote at
/// `https://<domain>/<npub of owner>/<identifier>.git`, fetched as remote `origin`.
public struct UpstreamSpec: Hashable, Sendable {
    /// A domain of a `remotes` entry.
    public var domain: String
    /// Branch name without `refs/heads/` (default `main`).
    public var branch: String
    public var location: SourceLocation
    public init(domain: String, branch: String = "main", location: SourceLocation) {
        self.domain = domain
        self.branch = branch
        self.location = location
    }
}

/// A git server on another domain, holding some repositories' objects, with scripted
/// misbehaviour. It answers fetches for any owner's path of a repo it holds.
public struct RemoteSpec: Hashable, Sendable {
    public var domain: String
    /// Time to answer a healthy request, uniform in [latencyMin, latencyMax] (default 20ms..200ms).
    public var latencyMin: SimDuration
    public var latencyMax: SimDuration
    public var holds: [RemoteHolding]
    public var behaviours: [RemoteBehaviour]
    public var location: SourceLocation
    public init(
        domain: String, latencyMin: SimDuration = Time.ms(20), latencyMax: SimDuration = Time.ms(200),
        holds: [RemoteHolding] = [], behaviours: [RemoteBehaviour] = [], location: SourceLocation
    ) {
        self.domain = domain
        self.latencyMin = latencyMin
        self.latencyMax = latencyMax
        self.holds = holds
        self.behaviours = behaviours
        self.location = location
    }
}

/// What a remote holds of one scenario repo.
public struct RemoteHolding: Hashable, Sendable {
    public var repo: String
    /// Full history: every object reachable from these commits.
    public var commits: [String]
    /// Part of the objects: only what each of these commits introduces (the commit and
    /// the trees and blobs its parents lack). Split a history across servers with this.
    public var only: [String]
    /// Refs the remote has (an upstream for reconciliation); their commits are held in full.
    public var refs: [RefSpec]
    public var location: SourceLocation
    public init(
        repo: String, commits: [String] = [], only: [String] = [], refs: [RefSpec] = [],
        location: SourceLocation
    ) {
        self.repo = repo
        self.commits = commits
        self.only = only
        self.refs = refs
        self.location = location
    }
}

/// A remote misbehaving during [from, until) (until nil: to the end of the run).
public struct RemoteBehaviour: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// Connection refused at once.
        case down
        /// Never answers (the fetcher's timeout ends the request).
        case timeout
        /// Answers HTTP 429 Too Many Requests.
        case rateLimited = "rate_limited"
        /// Answers after `latency`.
        case slow
        /// Serves only its commit objects, no trees or blobs (a truncated pack).
        case partial
    }
    public var kind: Kind
    public var from: SimDuration
    public var until: SimDuration?
    /// For `slow`: the time to answer.
    public var latency: SimDuration?
    public var location: SourceLocation
    public init(
        kind: Kind, from: SimDuration, until: SimDuration?, latency: SimDuration? = nil,
        location: SourceLocation
    ) {
        self.kind = kind
        self.from = from
        self.until = until
        self.latency = latency
        self.location = location
    }
}

public struct CommitSpec: Hashable, Sendable {
    public var name: String
    public var parents: [String]
    /// path → content, applied on top of the first parent's tree.
    public var files: [String: String]
    public var location: SourceLocation
    public init(name: String, parents: [String] = [], files: [String: String] = [:], location: SourceLocation) {
        self.name = name
        self.parents = parents
        self.files = files
        self.location = location
    }
}

/// A ref named in a state, a push or an expectation. `commit == nil` deletes (pushes only).
/// `annotatedTag` makes the ref point at an annotated tag object of that commit.
public struct RefSpec: Hashable, Sendable {
    public var ref: String
    public var commit: String?
    public var annotatedTag: Bool
    public init(ref: String, commit: String?, annotatedTag: Bool = false) {
        self.ref = ref
        self.commit = commit
        self.annotatedTag = annotatedTag
    }
}

/// When a step or fault happens.
public enum Timing: Hashable, Sendable {
    case at(SimDuration)
    /// Uniformly random in [lo, hi] per seed.
    case between(SimDuration, SimDuration)
    /// A random delay in [lo, hi] after another step's scheduled time.
    case after(step: String, lo: SimDuration, hi: SimDuration)
}

public struct RetrySpec: Hashable, Sendable {
    /// Wait between attempts.
    public var every: SimDuration
    /// Give up this long after the first attempt.
    public var giveUpAfter: SimDuration
    public init(every: SimDuration, giveUpAfter: SimDuration) {
        self.every = every
        self.giveUpAfter = giveUpAfter
    }
}

public struct StepSpec: Hashable, Sendable {
    /// Handle other steps and expectations use; generated as `step<N>` (1-based) if absent.
    public var id: String
    public var actor: String
    public var timing: Timing
    public var action: StepAction
    /// Retry a rejected or unanswered attempt (publish: no OK / OK false; push: rejected).
    public var retry: RetrySpec?
    /// `via: sync`: the event reaches the relay from another relay (synced), not from a user
    /// (announce, state, pull_request, issue). Synced events start a hunt after 500 ms.
    public var viaSync: Bool
    /// Extra clone URLs `https://<domain>/<npub>/<identifier>.git` in the event (announce:
    /// `clone` tag; pull_request: `clone` tag), from `clone: [domain, ...]` in the action.
    public var cloneDomains: [String]
    public var location: SourceLocation
    public init(
        id: String, actor: String, timing: Timing, action: StepAction, retry: RetrySpec? = nil,
        viaSync: Bool = false, cloneDomains: [String] = [], location: SourceLocation
    ) {
        self.id = id
        self.actor = actor
        self.timing = timing
        self.action = action
        self.retry = retry
        self.viaSync = viaSync
        self.cloneDomains = cloneDomains
        self.location = location
    }
}

public enum StepAction: Hashable, Sendable {
    /// Publish a 30617 for `repo` (actor's own announcement of that identifier).
    /// `listsService: false` leaves this relay out of `clone`/`relays`.
    case announce(repo: String, maintainers: [String]?, listsService: Bool)
    /// Publish a 30618 with exactly these refs; `head` is a branch ref name.
    /// `peeled` adds a `<tag>^{}` entry for every annotated tag (which must be ignored).
    case state(repo: String, refs: [RefSpec], head: String?, peeled: Bool)
    /// git push to `https://<relay>/<npub of owner>/<identifier>.git` (owner defaults to
    /// the repo's owner; a maintainer pushing to their own copy names themselves).
    case push(repo: String, owner: String?, refs: [RefSpec])
    /// Publish a pull request (1618) for `repo` with tip `commit`; `pr` is its handle.
    case pullRequest(repo: String, pr: String, commit: String)
    /// Push `commit` to `refs/nostr/<id of pr>`; `rawRef` overrides the ref (malformed ids).
    case pushPR(repo: String, pr: String, commit: String, rawRef: String?)
    /// Publish an issue (1621) for `repo` (a related event, served at once).
    case issue(repo: String, subject: String)
    /// NIP-09 deletion of events published by earlier steps: by id or by coordinate.
    case delete(targets: [String], byCoordinate: Bool)
    /// Send again, unchanged (same id, same `created_at`), the event an earlier step
    /// published: a replay, as a stale relay syncing or a client retrying late would.
    case replay(target: String)
    /// Clone the repo: ref advertisement + fetch of every advertised tip.
    case clone(repo: String, owner: String?)
    /// Relay lifecycle: `restart` after a graceful `shutdown` or a `crash`.
    case shutdown(relay: String)
    case crash(relay: String)
    case restart(relay: String)
    /// The relay reconciles the owner's copy of `repo` with its `upstream` (SPEC §7), under
    /// the repository lock. `relay` defaults to the first relay. Takes no actor.
    case reconcile(repo: String, relay: String?)
}

/// Link behaviour: `latency: 5ms..80ms` (uniform) or `latency: 20ms`, plus probabilities.
public struct LinkSpec: Hashable, Sendable {
    public var latencyMin: SimDuration
    public var latencyMax: SimDuration
    public var loss: Double
    public var duplicate: Double
    public var reorder: Double
    public init(
        latencyMin: SimDuration = Time.ms(2), latencyMax: SimDuration = Time.ms(40),
        loss: Double = 0, duplicate: Double = 0, reorder: Double = 0
    ) {
        self.latencyMin = latencyMin
        self.latencyMax = latencyMax
        self.loss = loss
        self.duplicate = duplicate
        self.reorder = reorder
    }
}

public struct FaultSpec: Hashable, Sendable {
    public var kind: FaultKind
    public var timing: Timing
    /// How long it lasts (nil: until healing); with `durationMax` above it, the length is
    /// drawn per seed from `duration...durationMax` (`for: 8s..12s`).
    public var duration: SimDuration?
    public var durationMax: SimDuration?
    public var location: SourceLocation
    public init(
        kind: FaultKind, timing: Timing, duration: SimDuration?, durationMax: SimDuration? = nil,
        location: SourceLocation
    ) {
        self.kind = kind
        self.timing = timing
        self.duration = duration
        self.durationMax = durationMax
        self.location = location
    }
}

/// Node names are actor names (their client), relay names (every replica) or
/// `<relay>#<k>` (one replica, 0-based).
public enum FaultKind: Hashable, Sendable {
    case partition([String], [String])
    case oneWay(from: String, to: String)
    case clog(from: String, to: String)
    case pause(String)
    case crash(String)  // restart when the duration ends (or at healing)
    case link(from: String, to: String, LinkSpec)
    case skew(String, skew: SimDuration, driftPPM: Int64)
    case isolate(String)  // cut off from every other node
}

/// Faults drawn at random per seed inside [start, end): each listed kind occurs on average
/// `perHour` times an hour with a duration uniform in [minDuration, maxDuration].
public struct RandomFaultSpec: Hashable, Sendable {
    public var kinds: [String]  // "partition", "pause", "crash", "clog", "loss"
    public var perHour: Double
    public var start: SimDuration
    public var end: SimDuration
    public var minDuration: SimDuration
    public var maxDuration: SimDuration
    public var location: SourceLocation
    public init(
        kinds: [String], perHour: Double, start: SimDuration, end: SimDuration,
        minDuration: SimDuration, maxDuration: SimDuration, location: SourceLocation
    ) {
        self.kinds = kinds
        self.perHour = perHour
        self.start = start
        self.end = end
        self.minDuration = minDuration
        self.maxDuration = maxDuration
        self.location = location
    }
}

/// An expected outcome, checked against the run's history.
public struct Expectation: Hashable, Sendable {
    public var kind: ExpectationKind
    public var location: SourceLocation
    public init(kind: ExpectationKind, location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

public enum ExpectationKind: Hashable, Sendable {
    /// The event published by `step` is served by time `by` (nil: by the end).
    case served(step: String, by: SimDuration?)
    /// The event published by `step` is never served.
    case notServed(step: String)
    /// The push (or publish) of `step` finally succeeded / was finally rejected
    /// (`reason` must then appear in the error text).
    case accepted(step: String)
    case rejected(step: String, reason: String?)
    /// The event of `step` left purgatory by expiry within [lo, hi] of the run.
    case expired(step: String, lo: SimDuration?, hi: SimDuration?)
    /// At the end, the repo (owner defaults to the repo's owner) has exactly these refs
    /// (refs/heads and refs/tags only).
    case refs(repo: String, owner: String?, refs: [RefSpec])
    /// At the end, the repo's HEAD is this ref.
    case head(repo: String, owner: String?, ref: String)
    /// At the end, the bare repository does not exist.
    case repoAbsent(repo: String, owner: String?)
    /// The last reconciliation of the repo reported this outcome (`in-sync`,
    /// `fast-forwarded`, `pushed-ahead`, `rebased`, `conflict-escaped`, `fetch-failed`).
    case reconciled(repo: String, outcome: String)
    /// At the end, the remote's copy of the repo has exactly these refs. A ref name ending
    /// in `*` matches exactly one ref with that prefix (`refs/heads/conflicts/*`).
    case remoteRefs(domain: String, repo: String, refs: [RefSpec])
    /// The relay started between `min` and `max` sync fetches for the repo's identifier.
    case syncFetches(repo: String, min: Int?, max: Int?)
}

// MARK: - A seed's concrete schedule

/// Everything random about a scenario resolved for one seed: absolute times for every
/// step and fault. A `Schedule` is what runs, what shrinks and what a reproducer fixes.
public struct Schedule: Hashable, Sendable {
    public var steps: [ScheduledStep]
    public var faults: [ScheduledFault]
    public init(steps: [ScheduledStep], faults: [ScheduledFault]) {
        self.steps = steps
        self.faults = faults
    }
}

public struct ScheduledStep: Hashable, Sendable {
    public var step: StepSpec
    public var time: SimTime
    public init(step: StepSpec, time: SimTime) {
        self.step = step
        self.time = time
    }
}

public struct ScheduledFault: Hashable, Sendable {
    public var kind: FaultKind
    public var start: SimTime
    /// nil: lasts until healing.
    public var end: SimTime?
    /// The lengths the scenario allows (`for: lo..hi`): a shrunk reproducer keeps the
    /// length inside them. nil: any (a fixed `for`, or a random fault).
    public var allowedDurations: ClosedRange<SimDuration>?
    public var location: SourceLocation
    public init(
        kind: FaultKind, start: SimTime, end: SimTime?, allowedDurations: ClosedRange<SimDuration>? = nil,
        location: SourceLocation
    ) {
        self.kind = kind
        self.start = start
        self.end = end
        self.allowedDurations = allowedDurations
        self.location = location
    }
}
