/// The name of every check that can judge a run: one enumerated vocabulary that the
/// checks record violations under, scenario files select from (`invariants:`), reports
/// and junit.xml list, and `graspsim invariants` prints. It lives in the kernel because
/// it is the one module the scenario format, the checks and the harness all import; a
/// misspelled name is a compile error in code and a file:line error in a scenario.
public enum InvariantName: String, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    // Arrival family (purgatory, authorization, serving).
    case servedHasGitData = "served-has-git-data"
    case refsMatchServedState = "refs-match-served-state"
    case releasedWhenDataPresent = "released-when-data-present"
    case lateBinding = "late-binding"
    case noAcknowledgedLoss = "no-acknowledged-loss"
    case purgatoryExitTiming = "purgatory-exit-timing"
    case wellFormedReplies = "well-formed-replies"
    case purgatorySettles = "purgatory-settles"
    case quiescence = "quiescence"
    case relayModel = "relay-model"
    case storeReadable = "store-readable"
    case okNamesSentEvent = "ok-names-sent-event"
    // Lock family (replicas under a lease lock).
    case singleWriter = "single-writer"
    case leaseOwnership = "lease-ownership"
    case lockLiveness = "lock-liveness"
    case noHalfAppliedPush = "no-half-applied-push"
    case headIsDefault = "head-is-default"
    case noOverlappingCycles = "no-overlapping-cycles"
    case pushAvailability = "push-availability"
    case leaseKeptAlive = "lease-kept-alive"
    case lockFreedAfterCrash = "lock-freed-after-crash"
    // Sync family (hunting git data, reconciliation).
    case throttleBounds = "throttle-bounds"
    case backoffSchedule = "backoff-schedule"
    case fairness = "fairness"
    case dataFoundMeansReleased = "data-found-means-released"
    case reconcileOutcome = "reconcile-outcome"
    // The scenario's own expected outcomes.
    case expectations = "expectations"
    // Judged by the sweep, not by a run: the same seed gives the same trace hash.
    case determinism = "determinism"
    // Not a check: a run that could not be carried out (reported, never selectable).
    case runError = "error"

    public var description: String { rawValue }

    public static func < (a: InvariantName, b: InvariantName) -> Bool { a.rawValue < b.rawValue }

    /// The names a scenario may list under `invariants:` (every check a single run makes).
    public static var selectable: [InvariantName] { allCases.filter { $0 != .determinism && $0 != .runError } }

    /// What the check promises, in one line.
    public var summary: String {
        switch self {
        case .servedHasGitData:
            return "a served state, announcement or PR always has its git objects in a hosted repository"
        case .refsMatchServedState: return "a served repository's refs equal the newest served state of its maintainers"
        case .releasedWhenDataPresent: return "no event waits in purgatory once its git data is present"
        case .lateBinding: return "a push matching a waiting authorized state, or a no-op push, is never rejected"
        case .noAcknowledgedLoss:
            return "acknowledged events and pushes are never lost (only replaced, deleted or expired)"
        case .purgatoryExitTiming:
            return "purgatory entries leave only by release, expiry or deletion, and expire on time"
        case .wellFormedReplies: return "every relay reply is well formed, with a standard machine-readable prefix"
        case .okNamesSentEvent: return "every OK a client receives names an event that client sent"
        case .purgatorySettles: return "after healing, every waiting entry is released or expired within its bound"
        case .quiescence: return "after healing, no messages or one-shot timers remain within the stated bound"
        case .relayModel:
            return
                "the relay's answers to events and pushes, its removals, its ref changes and the versions it serves agree with an independent model of GRASP-01 stepped along the history"
        case .storeReadable:
            return
                "the relay never reports a failed read or insert of its event store (the simulated store does not fail, so a report means the relay lost track of its data); a failure is answered with an error, never taken as absent or stored"
        case .singleWriter:
            return
                "no replica writes a repository while another holds its lock; storage never accepts a stale fencing token"
        case .leaseOwnership: return "a replica only deletes or extends a lease it owns"
        case .lockLiveness:
            return "no lease is held longer than ttl plus the longest locked operation, and none outlives its holder"
        case .noHalfAppliedPush: return "a push answered 503 leaves the repository's refs exactly as before"
        case .headIsDefault: return "every advertisement's HEAD is the repository's default branch"
        case .noOverlappingCycles: return "background cycles never overlap on one replica"
        case .pushAvailability:
            return
                "the share of push attempts answered 503 while no fault is injected stays under the configured bound (not judged when a replicated deployment's network loses, duplicates or reorders messages)"
        case .leaseKeptAlive:
            return
                "a lease never expires while its holder runs and the network to the lock service is healthy (heartbeats keep it)"
        case .lockFreedAfterCrash:
            return
                "a crashed holder's lease is gone within checks.max_locked_after_crash (default ttl + 1s + the largest network latency) of the crash"
        case .throttleBounds:
            return
                "per domain, never more fetches in flight than the concurrency limit, nor more started in any sliding rate window than the rate limit"
        case .backoffSchedule:
            return
                "hunt attempts start when the schedule says (delay after an event, backoff 20s doubling to the cap, reset by new events); expired synced identifiers are not hunted again"
        case .fairness:
            return
                "a fetch queued on a domain starts before more than (queue length - 1) fetches of other identifiers, and within the wait the limits allow"
        case .dataFoundMeansReleased:
            return
                "an event whose objects are all on healthy listed servers is released within its bound, and never before its data is local"
        case .reconcileOutcome:
            return "a reconciliation reports the outcome the histories call for, and no local commit is lost"
        case .expectations: return "the scenario's expected outcomes happen"
        case .determinism:
            return
                "the same seed gives the same trace hash when run again (checked by sweeps on failing seeds and a sample of the rest)"
        case .runError: return "the run could not be carried out (a harness or configuration error)"
        }
    }
}
