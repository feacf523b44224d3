import Nostr

/// How a kind of step is carried out, against the world that runs it. The simulator's
/// `World` implements the three protocols below; the description of each action says which
/// it uses and how, so a new action is one file in this folder.
public enum StepPerformance: Sendable {
    /// Done by the world itself at the step's time (the relay's lifecycle, a
    /// reconciliation): no actor, no attempts.
    case byWorld(@Sendable (StepAction, any StepWorld) -> Void)
    /// Each attempt of the actor's client publishes this event (nil: nothing to publish yet,
    /// e.g. a deletion whose target is not published). Built once and signed by the world.
    case publishes(@Sendable (StepAction, StepSpec, any StepEvents) throws -> StepEvent?)
    /// Each attempt of the actor's client runs this git operation.
    case gitOperation(@Sendable (StepAction, any StepGit) throws -> Void)
}

/// The event a publishing step sends: a draft the world signs (with the actor's key, at
/// the actor's clock), or an event already signed (a replay).
public enum StepEvent {
    case draft(EventDraft)
    case signed(NostrEvent)
}

/// The relay-side operations a step can ask of the world.
public protocol StepWorld: AnyObject {
    func shutdown(relay: String)
    func crash(relay: String)
    func restart(relay: String)
    /// The relay (its first replica when nil: the scenario's first relay) reconciles the
    /// owner's copy of `repo` with its upstream.
    func reconcile(repo: String, relay: String?)
}

/// The scenario's names resolved, for building events.
public protocol StepEvents: AnyObject {
    func repo(_ name: String) -> RepoSpec
    func publicKey(of actor: String) -> String
    func npub(of actor: String) -> String
    /// The domains of the scenario's relays, and this service's own domain.
    var relayDomains: [String] { get }
    var ownDomain: String { get }
    /// `/<npub of owner>/<identifier>.git` (the repo's owner when `owner` is nil).
    func repoPath(_ repo: RepoSpec, owner: String?) -> String
    /// A commit's id (hex) by its name in the repo.
    func commitHex(_ repo: String, _ commit: String) -> String?
    /// What a ref of a state points at (hex; an annotated tag object when asked).
    func refTargetHex(_ repo: String, _ ref: RefSpec) throws -> String?
    /// The event an earlier step published (nil: not published yet).
    func publishedEvent(step: String) -> NostrEvent?
}

/// One attempt of a client's git operation.
public protocol StepGit: AnyObject {
    /// Pushes `refs` (each to its commit or, for a deletion, to nothing) to the owner's
    /// copy of `repo` (the repo's owner when `owner` is nil).
    func push(repo: String, owner: String?, refs: [RefSpec]) throws
    /// Pushes one commit to a raw ref of the repo's owner's copy.
    func push(repo: String, ref: String, commit: String)
    func clone(repo: String, owner: String?)
    /// The id of the event a pull_request step signs (signing it now if needed: a git-first
    /// push names its PR before the PR is published).
    func eventID(ofStep step: String) throws -> String?
    /// Ends the attempt as refused, with this message.
    func refuse(_ message: String)
}
