import SimKernel

/// A message carrying a number.
struct Ping: SimMessage {
    var n: Int
    var traceLabel: String { "ping \(n)" }
}

/// Records everything it receives; can echo or re-arm timers on request.
final class Recorder: SimNode {
    var received: [(time: SimTime, from: NodeID, n: Int)] = []
    var timers: [(time: SimTime, tag: UInt64)] = []
    var localTimesAtTimer: [LocalTime] = []
    var volatileCounter = 0
    var durableCounter = 0
    var restarts: [(graceful: Bool, downtime: SimDuration)] = []
    var startTimers: [(SimDuration, UInt64)] = []

    func start(_ ctx: NodeContext) {
        for (d, tag) in startTimers { ctx.setTimer(after: d, tag: tag) }
    }
    func receive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext) {
        let p = message as! Ping
        received.append((ctx.globalNow, from, p.n))
        volatileCounter += 1
        durableCounter += 1
    }
    func timerFired(_ tag: UInt64, _ ctx: NodeContext) {
        timers.append((ctx.globalNow, tag))
        localTimesAtTimer.append(ctx.now)
    }
    func crashed() { volatileCounter = 0 }
    func restarted(_ ctx: NodeContext, graceful: Bool, downtime: SimDuration) {
        restarts.append((graceful, downtime))
    }
}
