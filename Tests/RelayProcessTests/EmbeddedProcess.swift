import Coordination
import EventStore
import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel

/// Drives a `RelayProcess` by hand, the way SwiftNIO's `EmbeddedChannel` drives a handler:
/// inputs go in, effects are collected, timers fire only when the test advances the
/// clock, and lock commands are answered by a real `LockServiceModel` only when asked.
final class EmbeddedProcess {
    let process: RelayProcess
    let store: EventStore
    let storage: RepositoryStorage
    let lockService = LockServiceModel()
    private(set) var now: LocalTime = 0
    /// Every effect so far, in order.
    private(set) var effects: [ProcessEffect] = []
    private var timers: [(due: LocalTime, seq: Int, timer: ProcessTimer)] = []
    private var seq = 0
    /// Lock commands sent and not yet answered.
    private var lockQueue: [(id: UInt64, command: LockCommand)] = []
    /// Remote calls sent (answered by the test).
    private(set) var remoteCalls: [(id: RemoteCallID, call: RemoteCall)] = []
    /// What `draw` answers for random ranges.
    var draw: (ClosedRange<Int64>) -> Int64 = { $0.lowerBound }

    let alice = KeyPair.deterministic(name: "alice", salt: 7)
    let bob = KeyPair.deterministic(name: "bob", salt: 7)
    let local: GitRepository
    private var aux: UInt8 = 0
    private var nextRequest = 0

    init(
        name: String = "relay", replicated: Bool = false, shared: PurgatoryBox? = nil,
        store: EventStore? = nil, storage: RepositoryStorage? = nil,
        configure: (inout ProcessSettings) -> Void = { _ in }
    ) throws {
        var settings = ProcessSettings()
        configure(&settings)
        self.store = try store ?? EventStore()
        self.storage = storage ?? RepositoryStorage()
        process = RelayProcess(
            name: name, config: RelayConfig(), settings: settings, store: self.store,
            storage: self.storage, sharedPurgatory: shared, replicated: replicated)
        local = try GitRepository.inMemory()
    }

    var domain: String { RelayConfig().domain }

    // MARK: driving

    /// Feeds one input; returns the effects it produced.
    @discardableResult
    func feed(_ input: ProcessInput) -> [ProcessEffect] {
        let out = process.handle(input, now: now, draw: draw)
        for e in out {
            switch e {
            case .setTimer(let after, let t):
                seq += 1
                timers.append((now + after, seq, t))
            case .lock(let id, let c): lockQueue.append((id, c))
            case .remote(let id, let call): remoteCalls.append((id, call))
            default: break
            }
        }
        effects += out
        return out
    }

    /// Answers every queued lock command (and those the answers cause) from the model.
    @discardableResult
    func answerLocks() -> [ProcessEffect] {
        var out: [ProcessEffect] = []
        while !lockQueue.isEmpty {
            let (id, command) = lockQueue.removeFirst()
            out += feed(.lockReply(command: id, lockService.execute(command, now: now)))
        }
        return out
    }

    /// Moves the clock to `to`, firing due timers in order; lock commands are answered at
    /// once when `locks` is true.
    @discardableResult
    func advance(to end: LocalTime, locks: Bool = true) -> [ProcessEffect] {
        var out: [ProcessEffect] = []
        if locks { out += answerLocks() }
        while let next = timers.min(by: { ($0.due, $0.seq) < ($1.due, $1.seq) }), next.due <= end {
            timers.removeAll { $0.seq == next.seq }
            now = next.due
            out += feed(.timer(next.timer))
            if locks { out += answerLocks() }
        }
        now = end
        return out
    }

    func pendingTimers(_ match: (ProcessTimer) -> Bool) -> [LocalTime] { timers.filter { match($0.timer) }.map(\.due) }

    // MARK: events and git

    func commit(_ name: String, parent: ObjectID? = nil) throws -> ObjectID {
        try local.commit(files: ["f": name], parents: parent.map { [$0] } ?? [], message: name, time: 1_750_000_000)
    }

    func event(_ key: KeyPair, kind: Int, tags: [[String]]) -> NostrEvent {
        aux &+= 1
        return NostrEvent.signed(
            kind: kind, tags: tags, content: "", createdAt: RelayConfig().epochUnix + now.sinceZero / Time.second,
            keyPair: key, auxRand: [UInt8](repeating: aux, count: 32))
    }

    func announcement(_ key: KeyPair, d: String = "repo", alsoClone: [String] = []) -> NostrEvent {
        let clones = ([domain] + alsoClone).map { "https://\($0)/\(key.npub)/\(d).git" }
        return event(
            key, kind: Kinds.repoAnnouncement, tags: [["d", d], ["clone"] + clones, ["relays", "wss://\(domain)"]])
    }

    func state(_ key: KeyPair, d: String = "repo", main: ObjectID) -> NostrEvent {
        event(
            key, kind: Kinds.repoState,
            tags: [["d", d], ["refs/heads/main", main.hex], ["HEAD", "ref: refs/heads/main"]])
    }

    /// Sends an event; returns the OK the process answered now, if any.
    @discardableResult
    func publish(_ e: NostrEvent, origin: EventOrigin = .user) -> (accepted: Bool, message: String)? {
        for effect in feed(.nostr(1, .event(e), origin)) {
            if case .send(_, .ok(let id, let ok, let message)) = effect, id == e.id { return (ok, message) }
        }
        return nil
    }

    func path(_ owner: KeyPair, _ d: String = "repo") -> String { "/\(owner.npub)/\(d).git" }

    /// Sends a push of `main` to owner's repository; returns its request id.
    func push(_ owner: KeyPair, main: ObjectID, d: String = "repo") throws -> RequestID {
        nextRequest += 1
        let req = RequestID(client: 9, number: nextRequest)
        let old = storage.repository(RepoKey(owner: owner.publicKey, d: d))?.ref("refs/heads/main") ?? .zero
        let pack = try local.pack(tips: [main], haves: [])
        feed(
            .git(
                req, path: path(owner, d),
                .push(updates: [RefUpdate(name: "refs/heads/main", old: old, new: main)], pack: pack)))
        return req
    }

    /// The reply to `req` among the effects so far.
    func reply(to req: RequestID) -> GitReply? {
        for e in effects { if case .reply(let r, let reply) = e, r == req { return reply } }
        return nil
    }

    var observations: [ProcessObservation] {
        effects.compactMap { if case .observe(let o) = $0 { return o } else { return nil } }
    }
}

extension GitReply {
    var pushAccepted: Bool? {
        if case .pushResult(let r) = self { return !r.isEmpty && r.allSatisfy(\.ok) }
        return nil
    }
    var httpStatus: Int? {
        if case .httpError(let s, _, _) = self { return s }
        return nil
    }
}
