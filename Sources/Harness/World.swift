import Checks
import Coordination
import EventStore
import Foundation
import GitStore
import Nostr
import Relay
import RelayProcess
import Scenario
import SimKernel
import Sync

/// Starts a scenario step on a client (delivered without network delay).
struct StepKick: SimMessage {
    let run: ClientNode.StepRun
    var traceLabel: String { "step \(run.id)" }
}

/// Options for one run of one scenario.
public struct RunOptions: Sendable {
    /// `--set key=value` overrides, applied after the scenario's own `config:`.
    public var overrides: [(String, String)] = []
    /// Keep every trace record (determinism diffs, replay files, reports).
    public var keepTrace = false
    /// Keep every history entry on the world (the report's timeline draws them). A sweep's
    /// runs keep only those expectations read (`HistoryItem.readByExpectations`): their checks
    /// have seen each entry as it happened, and the report re-runs the failing seed it draws
    /// with its whole history.
    public var keepHistory = true
    /// Hash the trace (`RunResult.traceHash`). A sweep hashes only the runs whose hash it
    /// reports or compares; without it, `traceHash` is empty and the verdict is the same.
    public var hashTrace = true
    /// Called after the world is built, before it runs: tests use it to add test-double
    /// nodes (e.g. one that never goes quiet) or to perturb a run on purpose.
    public var beforeRun: (@Sendable (World) -> Void)? = nil
    /// Check the scenario's `expect:` list. Swarm runs turn this off: faults drawn at
    /// random can legitimately prevent outcomes written for the scenario's own faults.
    public var checkExpectations = true
    /// Test double: adjusts the deployment settings after the scenario's and the command
    /// line's (tests plant mistakes through the hooks these settings hold).
    public var adjustDeployment: (@Sendable (inout DeploymentSettings) -> Void)? = nil
    /// Test double: adjusts the relay configuration likewise.
    public var adjustRelayConfig: (@Sendable (inout RelayConfig) -> Void)? = nil
    public init(overrides: [(String, String)] = [], keepTrace: Bool = false) {
        self.overrides = overrides
        self.keepTrace = keepTrace
    }
}

/// What one seed of one scenario produced.
public struct RunResult: Sendable {
    public var scenario: String
    public var seed: UInt64
    public var violations: [Violation]
    public var traceHash: String
    public var traceRecords: Int
    public var events: UInt64
    public var simulatedTime: SimTime
    /// Situations the run created (see `Situation`), sorted.
    public var situations: [Situation] = []
    /// What the run measured (`MetricName`), by name.
    public var metrics: RunMetrics = [:]
    public var passed: Bool { violations.isEmpty }
}

/// One simulated deployment running one scenario for one seed.
public final class World {
    public let scenario: Scenario
    public let schedule: Schedule
    public let seed: UInt64
    public let sim: Simulation
    public let config: RelayConfig
    public let store: EventStore
    public let storage: RepositoryStorage
    public private(set) var deployment = DeploymentSettings()
    /// Every commit of every scenario repo (what clients push from).
    let objects: GitRepository
    private(set) var relayNodes: [String: [NodeID]] = [:]
    private(set) var replicas: [RelayNode] = []
    /// The lock service, when some relay runs several replicas.
    public private(set) var lockService: LockServiceModel?
    private(set) var lockNode: NodeID?
    private(set) var lockServiceNode: LockServiceNode?
    private(set) var clients: [String: (id: NodeID, node: ClientNode)] = [:]
    /// Remote git servers by domain.
    private(set) var remoteNodes: [String: NodeID] = [:]
    private(set) var remotes: [String: RemoteNode] = [:]
    private(set) var keys: [String: KeyPair] = [:]
    /// repo handle → commit name → id
    private var commitIDs: [String: [String: ObjectID]] = [:]
    private var tagObjects: [String: ObjectID] = [:]
    /// The event each publishing step created (its first attempt's event).
    public internal(set) var stepEvents: [String: NostrEvent] = [:]
    /// Every history entry of the run, in order (only those expectations read when
    /// `RunOptions.keepHistory` is off).
    public internal(set) var history: [HistoryEntry] = []
    private let keepHistory: Bool
    /// Measures the run from its history (see `MetricName`).
    private(set) var metrics = MetricsCollector(backoffCap: 0)
    let checks: CheckSuite
    private let beforeRun: (@Sendable (World) -> Void)?
    private let expectationsOn: Bool

    public init(scenario: Scenario, schedule: Schedule, seed: UInt64, options: RunOptions) throws {
        self.scenario = scenario
        self.schedule = schedule
        self.seed = seed
        var relayConfiguration = try relayConfig(scenario: scenario, overrides: options.overrides)
        options.adjustRelayConfig?(&relayConfiguration)
        config = relayConfiguration
        sim = Simulation(
            seed: seed, trace: Trace(keepRecords: options.keepTrace, hashes: options.hashTrace || options.keepTrace))
        store = try StorePool.take()
        storage = RepositoryStorage()
        deployment = DeploymentSettings.from(scenario, options.overrides)
        options.adjustDeployment?(&deployment)
        metrics = MetricsCollector(backoffCap: deployment.sync.backoffCap)
        storage.deletesFailUntil = deployment.deleteFailsUntil.map(SimTime.init(sinceStart:))
        storage.clock = { [unowned sim] in sim.now }
        storage.fencing = deployment.lock.fencing
        objects = try GitRepository.inMemory()
        checks = CheckSuite(selected: scenario.invariants)
        beforeRun = options.beforeRun
        expectationsOn = options.checkExpectations
        keepHistory = options.keepHistory
        try build()
    }

    // MARK: building

    private func build() throws {
        for a in scenario.actors { keys[a.name] = KeyPair.deterministic(name: a.name, salt: 0) }
        try buildCommits()
        let link = scenario.network
        sim.defaultLink = LinkConfig(
            latency: .uniform(link.latencyMin, link.latencyMax), loss: link.loss,
            duplicate: link.duplicate, reorder: link.reorder)
        if scenario.relays.contains(where: { $0.replicas > 1 }) {
            // Ranges of the failover's time and lag are drawn per seed, from a stream of their
            // own (fixed values draw nothing).
            var draws = RandomStreams(seed: seed).stream("deployment")
            func draw(_ r: ClosedRange<SimDuration>) -> SimDuration {
                r.upperBound > r.lowerBound ? draws.duration(in: r) : r.lowerBound
            }
            let lag = draw(deployment.failoverLag)
            let model = LockServiceModel(failoverLag: lag)
            model.globalClock = { [unowned sim] in sim.now }
            lockService = model
            let node = LockServiceNode(model: model, world: self)
            lockServiceNode = node
            lockNode = sim.addNode(node, name: "locks")
            if let range = deployment.failoverAt {
                sim.schedule(at: SimTime(sinceStart: draw(range)), "lock failover") { [unowned self] s in
                    model.failover(now: s.localTime(of: self.lockNode!))
                    self.record(.fault("lock service failover (lost \(Time.format(lag)) of writes)"))
                    s.trace("fault.lock-failover", [("lag", Time.format(lag))])
                }
            }
        }
        for r in scenario.relays {
            var cfg = config
            cfg.domain = r.domain
            let shared: PurgatoryBox? = r.replicas > 1 ? PurgatoryBox() : nil
            for k in 0..<max(1, r.replicas) {
                let name = r.replicas > 1 ? "\(r.name)#\(k)" : r.name
                let process = RelayProcess(
                    name: name, config: cfg, settings: deployment.process, store: store,
                    storage: storage, sharedPurgatory: shared,
                    replicated: r.replicas > 1 && lockNode != nil)
                let node = RelayNode(process: process, world: self, lockService: lockNode)
                let id = sim.addNode(node, name: name)
                relayNodes[r.name, default: []].append(id)
                if r.replicas > 1 { relayNodes[name] = [id] }
                replicas.append(node)
            }
        }
        try buildRemotes()
        for a in scenario.actors {
            let relayName = a.relay ?? scenario.relays.first?.name ?? "relay"
            let targets = relayNodes[relayName] ?? []
            let client = ClientNode(actor: a.name, keys: keys[a.name]!, relay: targets.first ?? NodeID(0), world: self)
            let id = sim.addNode(client, name: a.name)
            client.replicas = targets
            clients[a.name] = (id, client)
        }
        for s in schedule.steps {
            sim.schedule(at: s.time, "step \(s.step.id)") { [unowned self] _ in self.perform(s) }
        }
        for f in schedule.faults {
            sim.schedule(at: f.start, "fault") { [unowned self] _ in self.startFault(f) }
            if let end = f.end { sim.schedule(at: end, "fault-end") { [unowned self] _ in self.endFault(f) } }
        }
    }

    private func buildCommits() throws {
        for repo in scenario.repos {
            var ids: [String: ObjectID] = [:]
            var files: [String: [String: String]] = [:]
            for (i, c) in repo.commits.enumerated() {
                var tree = c.parents.first.flatMap { files[$0] } ?? [:]
                for (p, content) in c.files { tree[p] = content }
                if tree.isEmpty { tree["README"] = repo.identifier }
                files[c.name] = tree
                let parents = c.parents.compactMap { ids[$0] }
                ids[c.name] = try objects.commit(
                    files: tree, parents: parents, message: "\(c.name)\n",
                    time: config.epochUnix + Int64(i))
            }
            commitIDs[repo.name] = ids
        }
    }

    /// Remote git servers with their holdings: full histories, single commits' own
    /// objects (`only`), and refs.
    private func buildRemotes() throws {
        for spec in scenario.remotes {
            var repos: [String: GitRepository] = [:]
            for h in spec.holds {
                guard let repo = repoSpec(h.repo) else { continue }
                let r = try repos[repo.identifier] ?? GitRepository.inMemory()
                repos[repo.identifier] = r
                var full = h.commits.compactMap { commitID(h.repo, $0) }
                var refTargets: [(String, ObjectID)] = []
                for ref in h.refs {
                    guard let t = try refTarget(h.repo, ref) else { continue }
                    refTargets.append((ref.ref, t))
                    full.append(t)
                }
                if !full.isEmpty { _ = try r.receive(try objects.pack(tips: full, haves: [])) }
                for c in h.only {
                    guard let id = commitID(h.repo, c) else { continue }
                    _ = try r.receive(try objects.pack(tips: [id], haves: try objects.parents(of: id)))
                }
                for (name, id) in refTargets { try r.setRef(name, id) }
            }
            let node = RemoteNode(spec: spec, repos: repos)
            remoteNodes[spec.domain] = sim.addNode(node, name: spec.domain)
            remotes[spec.domain] = node
        }
    }

    func repoSpec(_ name: String) -> RepoSpec? { scenario.repos.first { $0.name == name } }

    func commitID(_ repo: String, _ name: String) -> ObjectID? { commitIDs[repo]?[name] }

    /// The object a ref of a state or push points at (an annotated tag object when asked).
    func refTarget(_ repo: String, _ spec: RefSpec) throws -> ObjectID? {
        guard let c = spec.commit else { return nil }
        guard let id = commitID(repo, c) else { return nil }
        guard spec.annotatedTag else { return id }
        let key = "\(repo)|\(spec.ref)|\(c)"
        if let t = tagObjects[key] { return t }
        let tagName = spec.ref.hasPrefix("refs/tags/") ? String(spec.ref.dropFirst(10)) : spec.ref
        let t = try objects.writeAnnotatedTag(
            target: id, targetType: .commit, name: tagName, message: "\(tagName)\n",
            tagger: Signature(name: "GraspSim", email: "sim@graspsim.invalid", time: config.epochUnix))
        tagObjects[key] = t
        return t
    }

    func npub(_ actor: String) -> String { keys[actor]!.npub }

    public func repoPath(_ repo: RepoSpec, owner: String?) -> String {
        "/\(npub(owner ?? repo.owner))/\(repo.identifier).git"
    }

    // MARK: history

    func record(_ item: HistoryItem) {
        let entry = HistoryEntry(time: sim.now, item: item)
        if keepHistory || item.readByExpectations { history.append(entry) }
        checks.observe(entry, self)
        metrics.observe(entry)
    }

    func afterRelayStep(_ node: RelayNode) { checks.afterRelayStep(self, replica: node.name) }

    // MARK: running

    /// Runs the scenario to its end and checks every invariant and expectation.
    public func run() -> RunResult {
        beforeRun?(self)
        sim.startAll()
        let end = SimTime(sinceStart: scenario.duration)
        let heal = min(healTime, end)
        sim.run(until: heal)
        self.heal()
        let quiet = sim.runUntilQuiescent(deadline: heal + scenario.quiescenceBound)
        checks.quiescence(reached: quiet, at: sim.now, bound: heal + scenario.quiescenceBound)
        sim.run(until: max(end, sim.now))
        settle()
        checks.finish(self, healedAt: heal)
        if expectationsOn { checkExpectations() }
        return RunResult(
            scenario: scenario.name, seed: seed, violations: checks.violations,
            traceHash: sim.trace.hashes ? sim.trace.hashHex : "", traceRecords: sim.trace.count,
            events: sim.eventsProcessed, simulatedTime: sim.now, situations: checks.situations.sorted(),
            metrics: metrics.finish(
                lockService: lockService, lockCommands: lockCommands, storage: storage, events: sim.eventsProcessed,
                end: sim.now))
    }
}
