import Checks
import Coordination
import SimKernel

/// Replica → lock service: one command.
struct LockRequest: SimMessage {
    var id: UInt64
    var command: LockCommand
    var traceLabel: String { "lock " + command.traceLabel }
    func writeTraceLabel(_ out: inout TraceText) {
        out.write("lock ")
        command.writeTraceLabel(&out)
    }
}

/// Lock service → replica.
struct LockResponse: SimMessage {
    var id: UInt64
    var reply: LockReply
    var traceLabel: String { "lock reply " + reply.traceLabel }
    func writeTraceLabel(_ out: inout TraceText) {
        out.write("lock reply ")
        reply.writeTraceLabel(&out)
    }
}

/// The Redis-like lock service as a simulated node (its links take the usual faults).
final class LockServiceNode: SimNode {
    let model: LockServiceModel
    /// Every command with its sender and the key's value just before it (for checks).
    private(set) var log: [LockCommandRecord] = []
    unowned let world: World
    init(model: LockServiceModel, world: World) {
        self.model = model
        self.world = world
    }
    func receive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext) {
        guard let r = message as? LockRequest else { return }
        let time = ctx.globalNow
        var before: String?
        let reply = model.execute(r.command, now: ctx.now, valueBefore: &before)
        log.append(
            LockCommandRecord(time: time, sender: world.sim.name(of: from), command: r.command, valueBefore: before))
        ctx.sendBackground(LockResponse(id: r.id, reply: reply), to: from)
    }
}
