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

/// Injected faults: node names, starting, ending and healing.
extension World {
    // MARK: faults

    func nodes(_ name: String) -> [NodeID] {
        if let c = clients[name] { return [c.id] }
        if name == "locks", let lockNode { return [lockNode] }
        if let r = remoteNodes[name] { return [r] }
        return relayNodes[name] ?? []
    }

    func startFault(_ f: ScheduledFault) {
        record(.fault("start \(f.kind)"))
        f.kind.start(on: SimulatedFaultTarget(world: self))
    }

    func endFault(_ f: ScheduledFault) {
        record(.fault("end \(f.kind)"))
        f.kind.end(on: SimulatedFaultTarget(world: self))
    }

    /// Faults stop: links repair, paused nodes resume, crashed nodes restart.
    func heal() {
        record(.fault("heal"))
        sim.trace("heal")
        sim.healAll()
        for i in 0..<sim.nodeCount {
            let id = NodeID(Int32(i))
            switch sim.status(of: id) {
            case .paused: sim.resume(id)
            case .down: sim.restart(id)
            case .running: break
            }
        }
    }

    /// End-of-run checks judge what a client can observe, never a repository in the middle
    /// of a multi-step operation (a maintenance cycle's temporary HEAD, say). When some
    /// replica is mid-operation at the end, background cycles stop starting and the run
    /// goes on until none is, within the longest tenure plus the push retry budget. Runs
    /// with no such operation at the end are not extended at all.
    func settle() {
        guard replicas.contains(where: \.process.midOperation) else { return }
        sim.trace("settle")
        for r in replicas { r.drain() }
        let deadline = sim.now + maxTenure + deployment.lock.retryBudget
        while replicas.contains(where: \.process.midOperation), let next = sim.nextEventTime, next <= deadline {
            _ = sim.step()
        }
    }

    /// Returns the event store to this thread's pool (call when the world is done).
    public func recycle() { StorePool.give(store) }

    public var healTime: SimTime {
        if let h = scenario.healAt { return SimTime(sinceStart: h) }
        let lastFault = schedule.faults.map { $0.end ?? $0.start }.max() ?? 0
        return max(lastFault, SimTime(sinceStart: scenario.duration - scenario.quiescenceBound))
    }
}
