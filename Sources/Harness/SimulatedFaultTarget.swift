import Scenario
import SimKernel

/// What faults do, on the simulated network and nodes: every name resolves to its nodes
/// (a relay to all of its replicas) and each operation applies between every pair.
struct SimulatedFaultTarget: FaultTarget {
    unowned let world: World
    private var sim: Simulation { world.sim }

    private func pairs(_ from: String, _ to: String, _ body: (NodeID, NodeID) -> Void) {
        for x in world.nodes(from) { for y in world.nodes(to) { body(x, y) } }
    }

    func partition(_ a: [String], _ b: [String]) { sim.partition(a.flatMap(world.nodes), b.flatMap(world.nodes)) }
    func heal(_ a: [String], _ b: [String]) { sim.heal(a.flatMap(world.nodes), b.flatMap(world.nodes)) }
    func cut(from: String, to: String) { pairs(from, to, sim.cut) }
    func repair(from: String, to: String) { pairs(from, to, sim.repair) }
    func clog(from: String, to: String) { pairs(from, to, sim.clog) }
    func release(from: String, to: String) { pairs(from, to, sim.release) }
    func pause(_ node: String) { world.nodes(node).forEach(sim.pause) }
    func resume(_ node: String) { world.nodes(node).forEach(sim.resume) }
    func crash(_ node: String) { world.nodes(node).forEach(sim.crash) }
    func restart(_ node: String) { world.nodes(node).forEach(sim.restart) }

    func setLink(from: String, to: String, _ spec: LinkSpec) {
        let config = LinkConfig(
            latency: .uniform(spec.latencyMin, spec.latencyMax), loss: spec.loss,
            duplicate: spec.duplicate, reorder: spec.reorder)
        pairs(from, to) { sim.setLink($0, $1, config) }
    }

    func resetLink(from: String, to: String) { pairs(from, to) { sim.setLink($0, $1, sim.defaultLink) } }

    func everyone(except node: String) -> [String] {
        let own = Set(world.nodes(node))
        return (0..<sim.nodeCount).map { NodeID(Int32($0)) }.filter { !own.contains($0) }.map { sim.name(of: $0) }
    }

    func setClock(_ node: String, skew: SimDuration, driftPPM: Int64) {
        for x in world.nodes(node) { sim.setClock(x, skew: skew, driftPPM: driftPPM) }
    }
}
