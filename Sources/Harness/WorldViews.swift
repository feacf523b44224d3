import Checks
import Coordination
import GitStore
import Relay
import SimKernel
import Sync

/// What the checks may see of a world (read-only views; see `WorldView`).
extension World: WorldView {
    public var now: SimTime { sim.now }
    public var purgatoryAnnouncementsRevision: Int {
        replicas.reduce(0) { $0 &+ $1.process.core.purgatoryAnnouncementsRevision }
    }

    public var purgatories: [(replica: String, purgatory: Purgatory)] {
        // Replicas of one relay share a purgatory: report it once.
        var seen = Set<ObjectIdentifier>()
        var out: [(replica: String, purgatory: Purgatory)] = []
        for r in replicas {
            if let box = r.process.sharedPurgatory {
                guard seen.insert(ObjectIdentifier(box)).inserted else { continue }
            }
            out.append((r.name, r.process.core.purgatory))
        }
        return out
    }
    public var activeLeases: Set<String> {
        var s = Set<String>()
        for r in replicas where sim.status(of: relayNodes[r.name]!.first!) != .down {
            s.formUnion(r.process.leasesHeld)
        }
        return s
    }
    public var maxTenure: SimDuration { deployment.lock.ttl + 3 * deployment.cycleStep + Time.s(10) }
    public var max503Share: Double { deployment.max503Share }
    public var maintenance: (interval: SimDuration, step: SimDuration)? {
        lockService == nil ? nil : (deployment.cycleInterval, deployment.cycleStep)
    }
    public var lockOptions: LockOptions { deployment.lock }
    public var maxLockedAfterCrash: SimDuration {
        deployment.maxLockedAfterCrash ?? deployment.lock.ttl + Time.s(1) + networkLatencyMax
    }
    public var networkLatencyMax: SimDuration { scenario.network.latencyMax }
    public var networkLoss: Double { scenario.network.loss }
    public var networkReorder: Double { scenario.network.reorder }
    public var networkDuplicate: Double { scenario.network.duplicate }
    public var lockCommands: [LockCommandRecord] { lockServiceNode?.log ?? [] }

    public func unavailable(replica: String, from: SimTime, to: SimTime) -> SimDuration {
        guard let id = relayNodes[replica]?.first else { return 0 }
        return sim.unavailable(id, from: from, to: to)
    }

    public var maxDriftPPM: Int64 {
        schedule.faults.reduce(0) { m, f in
            if case .skew(_, _, let drift) = f.kind { return max(m, drift == .min ? .max : abs(drift)) }
            return m
        }
    }

    public func clockJumps(node: String?, from: SimTime, to: SimTime, forwardOnly: Bool) -> SimDuration {
        let clocks =
            node.map { nodes($0) } ?? replicas.flatMap { relayNodes[$0.name] ?? [] } + (lockNode.map { [$0] } ?? [])
        return clocks.reduce(0) { $0 + sim.clockJumps($1, from: from, to: to, forwardOnly: forwardOnly) }
    }

    public var replicaClockSpread: SimDuration {
        let offsets = replicas.compactMap { relayNodes[$0.name]?.first }.map {
            sim.localTime(of: $0) - LocalTime(sinceZero: sim.now.sinceStart)
        }
        guard let low = offsets.min(), let high = offsets.max() else { return 0 }
        return high - low
    }

    public func latestGlobalTime(_ t: LocalTime) -> SimTime {
        replicas.map { globalTime(t, replica: $0.name) }.max() ?? SimTime(nanoseconds: t.nanoseconds)
    }

    public func globalTime(_ t: LocalTime, replica: String) -> SimTime {
        guard let id = relayNodes[replica]?.first else { return SimTime(nanoseconds: t.nanoseconds) }
        return sim.now + (t - sim.localTime(of: id))
    }
}

extension World: SyncWorldView {
    public var syncConfig: SyncConfig { deployment.sync }
    public var remoteTimeout: SimDuration { deployment.remoteTimeout }
    public var scenarioObjects: GitRepository { objects }
    public func remoteRepository(domain: String, identifier: String) -> GitRepository? {
        remotes[domain]?.repos[identifier]
    }
    public func remoteHealthy(domain: String, from: SimTime, to: SimTime) -> Bool {
        guard let r = remotes[domain], let id = remoteNodes[domain] else { return false }
        return r.healthy(from: from, to: to) && sim.unavailable(id, from: from, to: to) == 0
    }
}
