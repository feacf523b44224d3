import GitStore
import Nostr
import SimKernel

/// A client connection (websocket) to the relay, numbered by the driver.
public typealias ConnectionID = Int
/// An HTTP request to the git host, as the driver names it: the client connection that
/// asked and the request's number there. The core hands it back with the reply.
public struct RequestID: Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var client: Int
    public var number: Int
    public init(client: Int, number: Int) {
        self.client = client
        self.number = number
    }
    /// A request of client 0 (tests).
    public init(integerLiteral number: Int) { self.init(client: 0, number: number) }
    public var description: String { "\(client)/\(number)" }
}

/// Where an event came from — one type for the relay (an event once expired is not taken
/// again from another relay) and the sync queue (a user's event starts its hunt late).
public enum EventOrigin: String, Sendable {
    /// Submitted by a user's client: a push is expected soon.
    case user
    /// Received from another relay during sync (GRASP-02): the data probably exists elsewhere.
    case sync
}

public struct RepoKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Owner pubkey, hex.
    public var owner: String
    /// Repository identifier (`d` tag).
    public var d: String
    public init(owner: String, d: String) {
        self.owner = owner
        self.d = d
    }
    public static func < (a: RepoKey, b: RepoKey) -> Bool { (a.owner, a.d) < (b.owner, b.d) }
    public var description: String { "\(owner.prefix(8))/\(d)" }
    /// The name of this repository's lease lock (`lock:<name>` in the lock service).
    /// All repositories of one identifier share it: a state speaks for every maintainer's
    /// repository of its identifier, so releasing it (and the settling that follows)
    /// writes all of them in one operation, and each of those writes must be under the
    /// lock whose fencing token it carries.
    public var lockName: String { Self.lockName(identifier: d) }
    public static func lockName(identifier d: String) -> String { d }
    /// The announcement's coordinate `30617:<owner>:<d>`.
    public var coordinate: String { repoCoordinate(owner: owner, identifier: d) }
}

/// One ref update of a push: `old`/`new` zero means create/delete.
public struct RefUpdate: Hashable, Sendable {
    public var name: String
    public var old: ObjectID
    public var new: ObjectID
    public init(name: String, old: ObjectID, new: ObjectID) {
        self.name = name
        self.old = old
        self.new = new
    }
    public var isNoOp: Bool { old == new }
    public var isDelete: Bool { new.isZero }
}

/// Inputs of the relay state machine.
public enum RelayInput {
    /// A NIP-01 frame as text (parsed and validated by the relay).
    case nostrText(ConnectionID, String, EventOrigin)
    /// A NIP-01 message already parsed (drivers that hold typed messages).
    case nostr(ConnectionID, ClientMessage, EventOrigin)
    case disconnect(ConnectionID)
    /// `GET /` with `Accept: application/nostr+json`.
    case nip11(RequestID)
    /// `GET /<npub>/<d>.git/info/refs?service=git-upload-pack|git-receive-pack`.
    case gitAdvertise(RequestID, path: String)
    /// `POST /<npub>/<d>.git/git-receive-pack`.
    case gitPush(RequestID, path: String, updates: [RefUpdate], pack: Pack)
    /// `POST /<npub>/<d>.git/git-upload-pack`.
    case gitFetch(RequestID, path: String, wants: [ObjectID], haves: [ObjectID])
    /// A real server's pre-receive hook: may these updates land? (Objects are in git's
    /// quarantine; a refusal refuses the whole push.) Answered with `.pushResult`.
    case gitPushProposed(RequestID, path: String, updates: [RefUpdate])
    /// Its post-receive hook: git applied these updates. Answered with `.pushResult`.
    case gitPushApplied(RequestID, path: String, updates: [RefUpdate])
    /// Periodic timer: the expiry sweep.
    case sweep
    /// Maintenance of one repository, run under its lock (replicated deployments).
    case maintain(RepoKey)
    /// Objects reached a repository (a sync fetch, a reconciliation): release what of its
    /// identifier they complete.
    case gitDataArrived(RepoKey)
}

/// What the relay answers to a ref advertisement.
public struct Advertisement: Sendable, Equatable {
    public var refs: [(name: String, id: ObjectID)]
    /// Symbolic target of HEAD (`refs/heads/main`), nil for an empty repository.
    public var head: String?
    public var capabilities: [String]
    public static func == (a: Advertisement, b: Advertisement) -> Bool {
        a.head == b.head && a.capabilities == b.capabilities && a.refs.map(\.name) == b.refs.map(\.name)
            && a.refs.map(\.id) == b.refs.map(\.id)
    }
}

/// Result of one ref of a push, as `git push` prints it (`ok` or `ng <ref> <reason>`).
public struct RefResult: Hashable, Sendable {
    public var name: String
    public var error: String?
    public var ok: Bool { error == nil }
}

public enum GitReply: Sendable {
    case advertisement(Advertisement)
    case pushResult([RefResult])
    case pack(Pack)
    case nip11(String)
    /// HTTP error: status, headers, and a message (the line a git client shows).
    case httpError(status: Int, headers: [(String, String)], message: String)
}

/// Outputs of the relay state machine.
public enum RelayOutput {
    case send(ConnectionID, RelayMessage)
    case reply(RequestID, GitReply)
    /// A decision worth a trace record (accepted, held, released, expired, rejected…).
    case trace(String, [(String, String)])
    /// A structured fact the checks read (see `Observation`).
    case observe(Observation)
}

/// Facts about the relay's decisions, in the order they happened. The invariant checks
/// consume these; each names the records involved.
public enum Observation: Sendable {
    /// An event became visible to REQ (stored). `how`: "accepted", "released", "applied".
    case served(NostrEvent, how: String)
    /// An event entered (or was refreshed in) purgatory with this deadline.
    case held(NostrEvent, deadline: LocalTime)
    /// A purgatory entry left. `why`: "released", "expired", "deleted", "superseded", "replaced".
    case left(eventID: String, kind: Int, why: String)
    /// A PR placeholder (git arrived first) was created / left.
    case placeholder(eventID: String, repo: RepoKey, commit: ObjectID)
    /// Stored events removed by a deletion request.
    case unserved(eventIDs: [String], why: String)
    /// A push was answered: accepted or not, with the per-ref results.
    case push(repo: RepoKey, updates: [RefUpdate], results: [RefResult], authorizedBy: String?)
    /// A repository's refs changed (after the write).
    case refsChanged(repo: RepoKey, refs: [(name: String, id: ObjectID)], head: String, why: String)
    case repoCreated(RepoKey)
    case repoDeleted(RepoKey)
    /// Deleting an expired announcement's repository failed; the sweep will retry.
    case repoDeleteFailed(RepoKey)
    /// An OK reply (so checks can verify acknowledgements are never lost).
    case acknowledged(eventID: String, accepted: Bool, message: String)
    /// The event store failed (a read, or an insert) while handling `input`: the input
    /// stopped there and its client was answered with an error, never as if the data were
    /// absent or stored; an entry that was to leave purgatory stays.
    case storeFailed(input: String, error: String)
    /// Storage refused a repository write (a stale fencing token, a failing deletion).
    case repoWriteRefused(repo: RepoKey, operation: String, error: String)
}
