import EventStore
import GitStore
import Nostr
import SimKernel

@testable import Relay

/// A relay with three actors and a client-side object store to push from.
final class Fixture {
    var config: RelayConfig
    let store: EventStore
    let storage = RepositoryStorage()
    var relay: RelayCore
    let alice = KeyPair.deterministic(name: "alice", salt: 1)
    let bob = KeyPair.deterministic(name: "bob", salt: 1)
    let carol = KeyPair.deterministic(name: "carol", salt: 1)
    let mallory = KeyPair.deterministic(name: "mallory", salt: 1)
    /// What clients push from.
    let local: GitRepository
    var now: LocalTime = 0
    var auxCounter: UInt8 = 0
    var lastOutputs: [RelayOutput] = []
    var nextReq = 1

    init(_ configure: (inout RelayConfig) -> Void = { _ in }) {
        var c = RelayConfig()
        configure(&c)
        config = c
        store = try! EventStore()
        relay = RelayCore(config: c, replica: "r0", store: store, storage: storage)
        local = try! GitRepository.inMemory()
    }

    func commit(_ name: String, parent: ObjectID? = nil) -> ObjectID {
        try! local.commit(files: ["f": name], parents: parent.map { [$0] } ?? [], message: name, time: 1_750_000_000)
    }

    func event(_ key: KeyPair, kind: Int, tags: [[String]], content: String = "", at: Int64? = nil) -> NostrEvent {
        auxCounter &+= 1
        return NostrEvent.signed(
            kind: kind, tags: tags, content: content,
            createdAt: at ?? (config.epochUnix + now.sinceZero / Time.second),
            keyPair: key, auxRand: [UInt8](repeating: auxCounter, count: 32))
    }

    func announcement(
        _ key: KeyPair, d: String = "repo", maintainers: [KeyPair] = [], listsService: Bool = true, at: Int64? = nil
    ) -> NostrEvent {
        let host = listsService ? config.domain : "elsewhere.invalid"
        var tags = [["d", d], ["clone", "https://\(host)/\(key.npub)/\(d).git"], ["relays", "wss://\(host)"]]
        if !maintainers.isEmpty { tags.append(["maintainers"] + maintainers.map(\.publicKey)) }
        return event(key, kind: Kinds.repoAnnouncement, tags: tags, at: at)
    }

    func state(
        _ key: KeyPair, d: String = "repo", refs: [(String, ObjectID)], head: String? = "refs/heads/main",
        extra: [[String]] = [], at: Int64? = nil
    ) -> NostrEvent {
        var tags = [["d", d]] + refs.map { [$0.0, $0.1.hex] } + extra
        if let head { tags.append(["HEAD", "ref: \(head)"]) }
        return event(key, kind: Kinds.repoState, tags: tags, at: at)
    }

    func pr(_ key: KeyPair, owner: KeyPair, d: String = "repo", commit: ObjectID) -> NostrEvent {
        event(
            key, kind: Kinds.pullRequest,
            tags: [["a", "30617:\(owner.publicKey):\(d)"], ["c", commit.hex], ["subject", "pr"]])
    }

    func handle(_ input: RelayInput) -> [RelayOutput] {
        lastOutputs = relay.handle(input, now: now)
        return lastOutputs
    }

    /// Publishes; returns the OK (accepted, message).
    @discardableResult
    func publish(_ e: NostrEvent, source: EventOrigin = .user) -> (Bool, String) {
        for o in handle(.nostr(1, .event(e), source)) {
            if case .send(_, .ok(let id, let ok, let msg)) = o, id == e.id { return (ok, msg) }
        }
        return (false, "no OK")
    }

    func path(_ owner: KeyPair, _ d: String = "repo") -> String { "/\(owner.npub)/\(d).git" }

    func refs(_ owner: KeyPair, _ d: String = "repo") -> [String: ObjectID] {
        var m: [String: ObjectID] = [:]
        for (n, id) in storage.repository(RepoKey(owner: owner.publicKey, d: d))?.refs ?? [] { m[n] = id }
        return m
    }

    /// Pushes `updates` (ref → new id, nil deletes) to owner's repo, old values from the repo.
    func push(_ owner: KeyPair, _ updates: [(String, ObjectID?)], d: String = "repo") -> [RefResult] {
        let current = refs(owner, d)
        let us = updates.map { RefUpdate(name: $0.0, old: current[$0.0] ?? .zero, new: $0.1 ?? .zero) }
        let tips = us.filter { !$0.isDelete }.map(\.new)
        let pack = try! local.pack(tips: tips, haves: current.values.filter { local.contains($0) })
        nextReq += 1
        for o in handle(.gitPush(RequestID(client: 0, number: nextReq), path: path(owner, d), updates: us, pack: pack))
        {
            if case .reply(_, .pushResult(let r)) = o { return r }
            if case .reply(_, .httpError(let s, _, let m)) = o {
                return us.map { RefResult(name: $0.name, error: "HTTP \(s) \(m)") }
            }
        }
        return []
    }

    func served(_ e: NostrEvent) -> Bool { (try? store.event(id: e.id)) != nil }

    func advance(_ d: SimDuration) {
        let end = now + d
        while now + config.sweepInterval <= end {
            now += config.sweepInterval
            _ = handle(.sweep)
        }
        now = end
    }

    func sweep() { _ = handle(.sweep) }
}

extension Array where Element == RefResult {
    var allOK: Bool { !isEmpty && allSatisfy { $0.ok } }
}
