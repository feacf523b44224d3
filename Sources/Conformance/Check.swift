import Foundation
import Nostr

/// How strongly GRASP-01 (or NIP-01) asks for what a check tests.
public enum Level: String, Sendable, Codable {
    case must = "MUST"
    case should = "SHOULD"
    case may = "MAY"
}

/// One requirement, tested against a live implementation.
public struct Check: Sendable {
    /// A stable name: `<requirement>.<what>` (`R7.owner-state-accepted`).
    public let id: String
    /// The requirement it belongs to (`NIP-01`, `R1`…`R12`, `purgatory`).
    public let section: String
    public let level: Level
    /// What the requirement asks, in one sentence.
    public let requirement: String
    /// Needs the server's purgatory ttl to pass (runs only with `--slow`).
    public let slow: Bool
    let body: @Sendable (CheckContext) async throws -> Void

    init(
        _ id: String, _ section: String, _ level: Level, _ requirement: String, slow: Bool = false,
        _ body: @escaping @Sendable (CheckContext) async throws -> Void
    ) {
        self.id = id
        self.section = section
        self.level = level
        self.requirement = requirement
        self.slow = slow
        self.body = body
    }
}

/// A check's expectation that did not hold. `divergence` names a difference real
/// implementations are known to have (SPEC §9) when the failure is one of them: the
/// requirement still does not hold, but the report says what it is.
public struct CheckFailed: Error, CustomStringConvertible {
    public let description: String
    public var divergence: String? = nil
}

/// Fails the check with `message` unless `condition` holds.
func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw CheckFailed(description: message()) }
}

func unwrap<T>(_ value: T?, _ message: @autoclosure () -> String) throws -> T {
    guard let value else { throw CheckFailed(description: message()) }
    return value
}

/// What a check works with: the peer (recording its transcript), fresh keys and a
/// repository identifier of its own, and the run's settings.
public struct CheckContext: Sendable {
    public let peer: Peer
    public let runID: String
    public let checkID: String
    /// The server's purgatory ttl and how long after it expiry may take (slow checks).
    public let purgatoryTTL: Double
    public let expiryMargin: Double
    /// The server says it is a GRASP server (NIP-11 `supported_grasps`): NIP-01 checks that
    /// need stored events store them the GRASP way (a served repository's events); on a
    /// plain relay they use plain events.
    public let grasp: Bool

    /// A fresh actor for this check (its own keys: checks never disturb each other).
    func actor(_ role: String) -> ConformActor {
        ConformActor(keys: KeyPair.deterministic(name: "\(runID)/\(checkID)/\(role)", salt: 0), context: self)
    }

    /// A repository identifier of this check's own.
    func identifier(_ suffix: String = "repo") -> String {
        "conform-\(runID.prefix(8))-\(checkID.replacingOccurrences(of: ".", with: "-"))-\(suffix)"
    }

    /// The tag every event of the run carries.
    var runTag: [String] { ["t", "graspsim-conform-\(runID)"] }

    func cloneURL(_ owner: ConformActor, _ d: String) -> String { "\(peer.target.http)/\(owner.npub)/\(d).git" }

    /// Records what the server chose where the requirement leaves a choice (a MAY), or how
    /// it met a requirement in a known-divergent way; shown beside the verdict.
    func finding(_ text: String) { peer.transcript.finding(text) }
}

/// An actor of one check: signs NIP-34 events that name the run.
struct ConformActor: Sendable {
    let keys: KeyPair
    let context: CheckContext
    var npub: String { keys.npub }
    var pubkey: String { keys.publicKey }

    func event(_ kind: Int, _ tags: [[String]], content: String = "", createdAt: Int64? = nil) -> NostrEvent {
        signed(EventDraft(kind: kind, tags: tags, content: content), createdAt: createdAt)
    }

    /// A draft signed now (or at `createdAt`), with this run's tag after its own.
    func signed(_ draft: EventDraft, createdAt: Int64? = nil) -> NostrEvent {
        draft.adding([context.runTag]).signed(
            createdAt: createdAt ?? Int64(Date().timeIntervalSince1970), keyPair: keys,
            auxRand: (0..<32).map { _ in UInt8.random(in: 0...255) })
    }

    /// An announcement listing the service under test (or another host) in `clone` and `relays`.
    func announcement(_ d: String, maintainers: [ConformActor] = [], listsService: Bool = true) -> NostrEvent {
        let http = listsService ? context.peer.target.http : "https://elsewhere.invalid"
        let ws = listsService ? context.peer.target.relay : "wss://elsewhere.invalid"
        return signed(
            .repoAnnouncement(
                identifier: d, cloneURLs: ["\(http)/\(npub)/\(d).git"], relays: [ws],
                maintainers: maintainers.map(\.pubkey)))
    }

    func state(
        _ d: String, refs: [(String, String)], head: String = "refs/heads/main", createdAt: Int64? = nil,
        extra: [[String]] = []
    ) -> NostrEvent {
        signed(
            EventDraft.repoState(identifier: d, refs: refs.map { ($0.0, $0.1) }, head: head).adding(extra),
            createdAt: createdAt)
    }

    func pullRequest(owner: ConformActor, _ d: String, commit: String) -> NostrEvent {
        signed(.pullRequest(repoOwner: owner.pubkey, identifier: d, tip: commit, subject: "conformance"))
    }
}
