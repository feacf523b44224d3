import GitStore
import Relay
import RelayProcess
import Scenario
import SimKernel

/// Relay → a remote git server (another domain). Sync fetches and reconciliation use it.
struct RemoteRequest: SimMessage {
    var id: RemoteCallID
    var call: RemoteCall
    var traceLabel: String {
        switch call {
        case .fetch(_, let url): return "remote fetch \(identifier(ofCloneURL: url))"
        case .mirror(_, let d): return "remote mirror \(d)"
        case .push(_, let d, let refs, _): return "remote push \(d) \(refs.count) refs"
        }
    }
}

/// A remote's answer.
struct RemoteResponse: SimMessage {
    var id: RemoteCallID
    var reply: RemoteReply
    var traceLabel: String {
        switch reply {
        case .objects(let p): return "remote objects \(p.objects.count)"
        case .mirror(let refs, let p): return "remote mirror \(refs.count) refs \(p.objects.count) objects"
        case .pushed: return "remote pushed"
        case .notFound: return "remote 404"
        case .refused: return "remote refused"
        case .unreachable: return "remote unreachable"
        case .status(let s): return "remote \(s)"
        }
    }
}

/// A git server on another domain: the repositories it holds (by identifier, for any
/// owner's path) and its scripted behaviour windows.
final class RemoteNode: SimNode {
    let spec: RemoteSpec
    /// identifier → what this server holds of it.
    private(set) var repos: [String: GitRepository]
    private var delayed: [UInt64: (response: RemoteResponse, to: NodeID)] = [:]
    private var nextTag: UInt64 = 1

    init(spec: RemoteSpec, repos: [String: GitRepository]) {
        self.spec = spec
        self.repos = repos
    }

    /// The behaviour in force at `time` (the first listed window containing it).
    func behaviour(at time: SimTime) -> RemoteBehaviour? {
        spec.behaviours.first { time.sinceStart >= $0.from && ($0.until.map { time.sinceStart < $0 } ?? true) }
    }

    /// True when the remote answers normally throughout [from, to].
    func healthy(from: SimTime, to: SimTime) -> Bool {
        !spec.behaviours.contains { b in
            b.kind != .slow && b.from <= to.sinceStart && (b.until.map { $0 > from.sinceStart } ?? true)
        }
    }

    func receive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext) {
        guard let r = message as? RemoteRequest else { return }
        let b = behaviour(at: ctx.globalNow)
        switch b?.kind {
        case .down?:
            ctx.sendBackground(RemoteResponse(id: r.id, reply: .refused), to: from)
            return
        case .timeout?:
            ctx.trace("remote.no-answer", [("domain", spec.domain)])
            return
        default: break
        }
        let reply: RemoteReply = b?.kind == .rateLimited ? .status(429) : answer(r.call, partial: b?.kind == .partial)
        let latency =
            b?.kind == .slow
            ? (b?.latency ?? 0)
            : ctx.withRandom { $0.duration(in: spec.latencyMin...max(spec.latencyMin, spec.latencyMax)) }
        let tag = nextTag
        nextTag += 1
        delayed[tag] = (RemoteResponse(id: r.id, reply: reply), from)
        ctx.setTimer(after: latency, tag: tag, periodic: true)
    }

    func timerFired(_ tag: UInt64, _ ctx: NodeContext) {
        guard let d = delayed.removeValue(forKey: tag) else { return }
        ctx.sendBackground(d.response, to: d.to)
    }

    func crashed() { delayed.removeAll() }

    private func answer(_ call: RemoteCall, partial: Bool) -> RemoteReply {
        switch call {
        case .fetch(_, let url):
            guard let repo = repos[identifier(ofCloneURL: url)] else { return .notFound }
            return .objects(everything(repo, commitsOnly: partial))
        case .mirror(_, let d):
            guard let repo = repos[d] else { return .notFound }
            return .mirror(refs: repo.refs, pack: everything(repo, commitsOnly: partial))
        case .push(_, let d, let refs, let pack):
            do {
                let repo = try repos[d] ?? GitRepository.inMemory()
                repos[d] = repo
                _ = try repo.receive(pack)
                for (name, id) in refs { try repo.setRef(name, id) }
                return .pushed
            } catch {
                return .status(500)
            }
        }
    }

    /// The whole object set (in the simulation a pack may carry more than was asked for);
    /// `commitsOnly` is the truncated pack of the `partial` behaviour.
    private func everything(_ repo: GitRepository, commitsOnly: Bool) -> Pack {
        let ids = (try? repo.allObjectIDs()) ?? []
        var objects: [RawObject] = []
        for id in ids {
            guard let o = try? repo.read(id) else { continue }
            if commitsOnly && o.type != .commit { continue }
            objects.append(o)
        }
        return Pack(objects: objects)
    }
}

/// The identifier in a clone URL `https://host/<npub>/<identifier>.git`.
func identifier(ofCloneURL url: String) -> String {
    // The last segment between slashes that is not empty (what `split` would give last).
    var last = Substring(url)
    while last.hasSuffix("/") { last = last.dropLast() }
    if let slash = last.lastIndex(of: "/") { last = last[last.index(after: slash)...] }
    if last.hasSuffix(".git") { last = last.dropLast(4) }
    return String(last)
}

/// Starts a `reconcile` step on a relay node (delivered without network delay).
struct ReconcileKick: SimMessage {
    let repo: RepoKey
    let upstream: Upstream
    var traceLabel: String { "reconcile \(repo)" }
}
