import GitStore
import Nostr
import Relay
import RelayProcess
import Scenario
import SimKernel

/// Steps: each action's description says how it is performed (`StepPerformance`); the world
/// supplies what that needs — the relay's lifecycle, the scenario's names resolved, a
/// client's git operations — and signs the events publishing steps build.
extension World: StepWorld, StepEvents {
    func perform(_ s: ScheduledStep) {
        let step = s.step
        sim.trace("step", [("id", step.id), ("actor", step.actor)])
        if case .byWorld(let act) = step.action.described.perform {
            act(step.action, self)
            return
        }
        guard let client = clients[step.actor] else { return }
        let retry = step.retry.map { ($0.every, s.time + $0.giveUpAfter) }
        let run = ClientNode.StepRun(id: step.id, retry: retry) { [unowned self] c, run, ctx in
            self.attempt(step, run, c, ctx)
        }
        sim.inject(StepKick(run: run), from: client.id, to: client.id)
    }

    /// One attempt of a client step.
    private func attempt(_ step: StepSpec, _ run: ClientNode.StepRun, _ client: ClientNode, _ ctx: NodeContext) {
        do {
            switch step.action.described.perform {
            case .publishes:
                guard let event = try eventFor(step, ctx) else {
                    record(
                        .stepOutcome(
                            step: step.id, accepted: false, message: "nothing to publish (target not published yet)"))
                    return
                }
                client.publish(event, run, source: step.viaSync ? .sync : .user, ctx)
            case .gitOperation(let operate):
                try operate(step.action, ClientGitAttempt(world: self, step: step, run: run, client: client, ctx: ctx))
            case .byWorld:
                break
            }
        } catch {
            record(.stepOutcome(step: step.id, accepted: false, message: "could not prepare step: \(error)"))
        }
    }

    /// The event a publishing step sends: signed once, on first need, with the actor's key
    /// at the actor's clock. A git-first PR push needs its PR's id before the PR is
    /// published, as a real client signs first.
    func eventFor(_ step: StepSpec, _ ctx: NodeContext) throws -> NostrEvent? {
        if let e = stepEvents[step.id] { return e }
        guard case .publishes(let build) = step.action.described.perform,
            let made = try build(step.action, step, self)
        else { return nil }
        switch made {
        case .signed(let e):
            return e
        case .draft(let draft):
            let createdAt = config.epochUnix + ctx.now.sinceZero / Time.second
            let aux: [UInt8] = ctx.withRandom { g in
                (0..<4).flatMap { _ in withUnsafeBytes(of: g.next().littleEndian, Array.init) }
            }
            let e = draft.signed(createdAt: createdAt, keyPair: keys[step.actor]!, auxRand: aux)
            stepEvents[step.id] = e
            return e
        }
    }

    // MARK: StepWorld

    public func shutdown(relay: String) { for n in relayNodes[relay] ?? [] { sim.shutdown(n) } }
    public func crash(relay: String) { for n in relayNodes[relay] ?? [] { sim.crash(n) } }
    public func restart(relay: String) { for n in relayNodes[relay] ?? [] { sim.restart(n) } }

    public func reconcile(repo repoName: String, relay: String?) {
        guard let repo = repoSpec(repoName), let upstream = repo.upstream,
            let nodeID = relayNodes[relay ?? scenario.relays.first?.name ?? ""]?.first
        else { return }
        let key = RepoKey(owner: keys[repo.owner]!.publicKey, d: repo.identifier)
        sim.inject(
            ReconcileKick(repo: key, upstream: Upstream(domain: upstream.domain, branch: upstream.branch)),
            from: nodeID, to: nodeID)
    }

    // MARK: StepEvents

    public func repo(_ name: String) -> RepoSpec { repoSpec(name)! }
    public func publicKey(of actor: String) -> String { keys[actor]!.publicKey }
    public func npub(of actor: String) -> String { npub(actor) }
    public var relayDomains: [String] { scenario.relays.map(\.domain) }
    public var ownDomain: String { config.domain }
    public func commitHex(_ repo: String, _ commit: String) -> String? { commitID(repo, commit)?.hex }
    public func refTargetHex(_ repo: String, _ ref: RefSpec) throws -> String? { try refTarget(repo, ref)?.hex }
    public func publishedEvent(step: String) -> NostrEvent? { stepEvents[step] }
}

/// One attempt of a client's git step, against the world's repositories and keys.
final class ClientGitAttempt: StepGit {
    unowned let world: World
    let step: StepSpec
    let run: ClientNode.StepRun
    let client: ClientNode
    let ctx: NodeContext

    init(world: World, step: StepSpec, run: ClientNode.StepRun, client: ClientNode, ctx: NodeContext) {
        self.world = world
        self.step = step
        self.run = run
        self.client = client
        self.ctx = ctx
    }

    func push(repo name: String, owner: String?, refs: [RefSpec]) throws {
        let repo = world.repoSpec(name)!
        let owned = RepoKey(owner: world.keys[owner ?? repo.owner]!.publicKey, d: repo.identifier)
        let targets = try refs.map { ($0.ref, try world.refTarget(name, $0) ?? .zero) }
        client.push(path: world.repoPath(repo, owner: owner), repo: owned, refs: targets, run, ctx)
    }

    func push(repo name: String, ref: String, commit: String) {
        let repo = world.repoSpec(name)!
        let owned = RepoKey(owner: world.keys[repo.owner]!.publicKey, d: repo.identifier)
        client.push(
            path: world.repoPath(repo, owner: nil), repo: owned, refs: [(ref, world.commitID(name, commit) ?? .zero)],
            run, ctx)
    }

    func clone(repo name: String, owner: String?) {
        client.clone(path: world.repoPath(world.repoSpec(name)!, owner: owner), run, ctx)
    }

    func eventID(ofStep id: String) throws -> String? {
        guard let target = world.scenario.steps.first(where: { $0.id == id }) else { return nil }
        return try world.eventFor(target, ctx)?.id
    }

    func refuse(_ message: String) {
        world.record(.stepOutcome(step: step.id, accepted: false, message: message))
    }
}
