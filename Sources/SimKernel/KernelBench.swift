/// Workloads for `graspsim bench`: pure kernel cost, no protocol code.
public enum KernelBench {
    /// A node whose every timer re-arms itself: each event is one pop, one dispatch and
    /// one push, with nothing else.
    final class Ticker: SimNode {
        let period: SimDuration
        let timers: Int
        init(period: SimDuration, timers: Int) {
            self.period = period
            self.timers = timers
        }
        func start(_ ctx: NodeContext) {
            for t in 0..<timers {
                ctx.setTimer(after: period + Time.ns(Int64(t)), tag: UInt64(t), periodic: true)
            }
        }
        func receive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext) {}
        func timerFired(_ tag: UInt64, _ ctx: NodeContext) {
            ctx.setTimer(after: period, tag: tag, periodic: true)
        }
    }

    /// Runs `events` no-op timer events over `nodes` nodes (1,000 pending timers by
    /// default, so the queue has a realistic depth). Returns the events processed.
    public static func noOpEvents(events: UInt64, nodes: Int = 100, timersPerNode: Int = 10) -> UInt64 {
        let sim = Simulation(seed: 1, traceNetwork: false)
        for i in 0..<nodes {
            sim.addNode(Ticker(period: Time.ms(10) + Time.ns(Int64(i)), timers: timersPerNode), name: "t\(i)")
        }
        sim.startAll()
        while sim.eventsProcessed < events { sim.step() }
        return sim.eventsProcessed
    }

    /// The timer pattern of a relay deployment: per replica a 1 s sync tick, a 15 s
    /// background poll, a 60 s expiry sweep and a 10 s heartbeat. Returns simulated
    /// nanoseconds covered and events processed.
    public static func timerHeavy(replicas: Int, simulated: SimDuration) -> (SimDuration, UInt64) {
        final class Replica: SimNode {
            let periods: [SimDuration] = [Time.s(1), Time.s(15), Time.s(60), Time.s(10)]
            func start(_ ctx: NodeContext) {
                for (i, p) in periods.enumerated() { ctx.setTimer(after: p, tag: UInt64(i), periodic: true) }
            }
            func receive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext) {}
            func timerFired(_ tag: UInt64, _ ctx: NodeContext) {
                ctx.setTimer(after: periods[Int(tag)], tag: tag, periodic: true)
            }
        }
        let sim = Simulation(seed: 2, traceNetwork: false)
        for i in 0..<replicas { sim.addNode(Replica(), name: "r\(i)") }
        sim.startAll()
        sim.run(until: SimTime(sinceStart: simulated))
        return (sim.now.sinceStart, sim.eventsProcessed)
    }
}
