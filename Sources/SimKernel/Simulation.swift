import DequeModule

/// A node's address in one simulation.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let raw: Int32
    public init(_ raw: Int32) { self.raw = raw }
    public static func < (a: NodeID, b: NodeID) -> Bool { a.raw < b.raw }
    public var description: String { "n\(raw)" }
}

/// Anything sent over the simulated network.
public protocol SimMessage {
    /// Short text for the trace (`push refs/heads/main`, `EVENT 1a2b…`).
    var traceLabel: String { get }
    /// Writes exactly `traceLabel`'s bytes (messages on hot paths write them without
    /// building the string; the default writes `traceLabel`).
    func writeTraceLabel(_ out: inout TraceText)
}

/// A simulated process: a sans-IO state machine driven by the kernel. Nodes never read a
/// clock or a random source of their own; everything arrives through `NodeContext`.
public protocol SimNode: AnyObject {
    /// First boot.
    func start(_ ctx: NodeContext)
    func receive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext)
    func timerFired(_ tag: UInt64, _ ctx: NodeContext)
    /// The process died: drop every volatile thing. Durable state stays.
    func crashed()
    /// Graceful stop: the node may persist what it wants to survive.
    func shutdown(_ ctx: NodeContext)
    /// Back up after a crash (`graceful == false`) or a graceful shutdown.
    func restarted(_ ctx: NodeContext, graceful: Bool, downtime: SimDuration)
}

extension SimNode {
    public func start(_ ctx: NodeContext) {}
    public func timerFired(_ tag: UInt64, _ ctx: NodeContext) {}
    public func crashed() {}
    public func shutdown(_ ctx: NodeContext) {}
    public func restarted(_ ctx: NodeContext, graceful: Bool, downtime: SimDuration) { start(ctx) }
}

/// What a node may do while handling an input. A thin handle onto the kernel, valid
/// only during the call it was passed to.
public struct NodeContext {
    unowned(unsafe) let sim: Simulation
    public let node: NodeID

    init(sim: Simulation, node: NodeID) {
        self.sim = sim
        self.node = node
    }

    /// The node's local clock (global time with this node's skew and drift).
    public var now: LocalTime { sim.localTime(of: node) }
    /// The true global time (for trace records and checks, not for node logic).
    public var globalNow: SimTime { sim.now }

    public func send(_ message: any SimMessage, to: NodeID) { sim.send(message, from: node, to: to) }

    /// Sends background traffic (housekeeping a periodic activity starts): like `send`,
    /// but it does not keep the world from being quiescent.
    public func sendBackground(_ message: any SimMessage, to: NodeID) {
        sim.send(message, from: node, to: to, counted: false)
    }

    /// Arms a timer `after` of this node's local time. Periodic timers do not count
    /// against quiescence.
    public func setTimer(after: SimDuration, tag: UInt64, periodic: Bool = false) {
        sim.setTimer(node: node, after: after, tag: tag, periodic: periodic)
    }

    public func trace(_ kind: String, _ fields: [(String, String)] = []) {
        sim.trace(node: node, kind: kind, fields)
    }

    /// The node's own random stream (named after the node).
    public func withRandom<T>(_ body: (inout Xoshiro256StarStar) -> T) -> T {
        sim.withNodeRandom(node, body)
    }
}

public enum NodeStatus: Equatable, Sendable { case running, paused, down }

/// The deterministic discrete-event kernel: a virtual clock, one event queue ordered by
/// (time, sequence), the simulated network, node lifecycles and the trace.
public final class Simulation {
    enum Payload {
        /// `counted`: foreground traffic, which keeps the world from being quiescent.
        case deliver(from: NodeID, to: NodeID, message: any SimMessage, counted: Bool)
        case timer(node: NodeID, incarnation: UInt32, tag: UInt64, periodic: Bool)
        case action(label: String, body: (Simulation) -> Void)
        /// A free slot of the queue's payload table.
        case vacant
    }

    struct Entry {
        var time: SimTime
        var seq: UInt64
        var payload: Payload
    }

    struct Slot {
        var node: SimNode
        var name: String
        var status: NodeStatus = .running
        var incarnation: UInt32 = 0
        /// Events that reached the node while paused, in arrival order.
        var held: Deque<Entry> = []
        var downSince: SimTime = 0
        var gracefulStop = false
        var skew: SimDuration = 0
        var driftPPM: Int64 = 0
        var rng: Xoshiro256StarStar
        /// (time, up) whenever the node stops or starts processing.
        var availability: [(SimTime, Bool)] = []
        /// (time, by) whenever setting the clock moved its reading at once.
        var clockJumps: [(SimTime, SimDuration)] = []
    }

    public let seed: UInt64
    public let streams: RandomStreams
    public private(set) var now: SimTime = 0
    var queue = EventQueue()
    var seq: UInt64 = 0
    var slots: [Slot] = []
    var network = NetworkState()
    var networkRandom: Xoshiro256StarStar
    public let trace: Trace
    /// Messages in flight plus one-shot timers pending: zero means quiescent.
    var busyCount = 0
    public private(set) var eventsProcessed: UInt64 = 0
    /// Trace every delivery and drop (off for benchmarks, on for scenario runs).
    public var traceNetwork: Bool

    public init(seed: UInt64, trace: Trace = Trace(), traceNetwork: Bool = true) {
        self.seed = seed
        self.streams = RandomStreams(seed: seed)
        self.networkRandom = streams.stream("network")
        self.trace = trace
        self.traceNetwork = traceNetwork
    }

    // MARK: nodes

    @discardableResult
    public func addNode(_ node: SimNode, name: String) -> NodeID {
        let id = NodeID(Int32(slots.count))
        slots.append(Slot(node: node, name: name, rng: streams.stream("node:" + name)))
        return id
    }

    /// Boots every node (calls `start`) at the current time, in id order.
    public func startAll() {
        for i in slots.indices { slots[i].node.start(NodeContext(sim: self, node: NodeID(Int32(i)))) }
    }

    public var nodeCount: Int { slots.count }
    public func name(of id: NodeID) -> String { slots[Int(id.raw)].name }
    public func node(_ id: NodeID) -> SimNode { slots[Int(id.raw)].node }
    public func status(of id: NodeID) -> NodeStatus { slots[Int(id.raw)].status }
    public func incarnation(of id: NodeID) -> UInt32 { slots[Int(id.raw)].incarnation }

    public func localTime(of id: NodeID) -> LocalTime {
        let i = Int(id.raw)
        let skew = slots[i].skew
        let drift = slots[i].driftPPM
        if skew == 0 && drift == 0 { return LocalTime(nanoseconds: now.nanoseconds) }
        // now · drift / 10⁶, exact to the nanosecond (whole milliseconds and the rest apart,
        // so it cannot overflow): a coarser step would let a timer fire before the node's
        // clock reached its deadline.
        let t = now.nanoseconds
        let driftNanos = t / 1_000_000 * drift + (t % 1_000_000) * drift / 1_000_000
        return LocalTime(nanoseconds: (now + skew).nanoseconds + driftNanos)
    }

    func withNodeRandom<T>(_ id: NodeID, _ body: (inout Xoshiro256StarStar) -> T) -> T {
        body(&slots[Int(id.raw)].rng)
    }

    // MARK: scheduling

    func push(_ time: SimTime, _ payload: Payload) {
        seq &+= 1
        queue.push(time: time, seq: seq, payload: payload)
    }

    func setTimer(node: NodeID, after: SimDuration, tag: UInt64, periodic: Bool) {
        let i = Int(node.raw)
        var delay = max(0, after)
        let drift = slots[i].driftPPM
        // A drifting clock measures the delay: round the global wait up, so the node's clock
        // has advanced by at least `after` when the timer fires (a real timer never fires
        // before its deadline; rounding down made it fire a nanosecond early, and a node
        // that saw its deadline not yet reached could wait for an input that never came).
        if drift != 0 {
            let rate: Int64 = 1_000_000 + drift
            // One more nanosecond covers the flooring in `localTime(of:)`.
            let product = delay.nanoseconds.multipliedFullWidth(by: 1_000_000)
            if product.high >= rate {
                delay = Time.ns(Int64.max / 4)  // beyond any run
            } else {
                let (q, r) = rate.dividingFullWidth(product)
                delay = Time.ns(q + (r > 0 ? 1 : 0) + 1)
            }
        }
        if !periodic { busyCount += 1 }
        push(now + delay, .timer(node: node, incarnation: slots[i].incarnation, tag: tag, periodic: periodic))
    }

    /// Runs `body` at absolute time `at` (faults, scripted client steps).
    public func schedule(at: SimTime, _ label: String, _ body: @escaping (Simulation) -> Void) {
        pendingActions += 1
        push(max(at, now), .action(label: label, body: body))
    }

    /// Hands `message` to `to` now, as if it had arrived from `from` (used by drivers that
    /// inject external input, such as a scripted client step).
    public func inject(_ message: any SimMessage, from: NodeID, to: NodeID) {
        busyCount += 1
        push(now, .deliver(from: from, to: to, message: message, counted: true))
    }

    // MARK: network

    public var defaultLink: LinkConfig {
        get { network.defaultLink }
        set { network.defaultLink = newValue }
    }

    public func setLink(_ from: NodeID, _ to: NodeID, _ config: LinkConfig) {
        network.links[LinkKey(from, to)] = config
    }

    public func linkConfig(_ from: NodeID, _ to: NodeID) -> LinkConfig { network.config(LinkKey(from, to)) }

    /// Sends over the simulated network as if `from` had sent it (drivers and scripted steps).
    public func send(_ message: any SimMessage, from: NodeID, to: NodeID, counted: Bool = true) {
        let key = LinkKey(from, to)
        if network.isCut(key) {
            traceNet(from, "drop", [("to", name(of: to)), ("why", "partition"), ("msg", message.traceLabel)])
            return
        }
        if !network.clogged.isEmpty, network.clogged.contains(key) {
            network.held[key, default: []].append((message, now, counted))
            traceNet(from, "hold", [("to", name(of: to)), ("msg", message.traceLabel)])
            return
        }
        transmit(message, key: key, counted: counted)
    }

    private func transmit(_ message: any SimMessage, key: LinkKey, counted: Bool) {
        let cfg = network.config(key)
        if networkRandom.chance(cfg.loss) {
            traceNet(key.from, "drop", [("to", name(of: key.to)), ("why", "loss"), ("msg", message.traceLabel)])
            return
        }
        let copies = networkRandom.chance(cfg.duplicate) ? 2 : 1
        for copy in 0..<copies {
            var at = now + cfg.latency.draw(&networkRandom)
            let reordered = networkRandom.chance(cfg.reorder)
            if reordered {
                at += networkRandom.duration(in: 0...max(0, cfg.reorderWindow))
            } else if cfg.ordered {
                network.deliverInOrder(&at, on: key)
            }
            if counted { busyCount += 1 }
            push(at, .deliver(from: key.from, to: key.to, message: message, counted: counted))
            if copy == 1 { traceNet(key.from, "duplicate", [("to", name(of: key.to)), ("msg", message.traceLabel)]) }
        }
    }

    private func traceNet(_ node: NodeID, _ kind: String, _ fields: [(String, String)]) {
        if traceNetwork { trace(node: node, kind: "net." + kind, fields) }
    }

    /// Cuts the directed link (a one-way partition). Messages already in flight on it are
    /// dropped when they arrive.
    public func cut(_ from: NodeID, _ to: NodeID) {
        network.cut.insert(LinkKey(from, to))
        traceFault("cut", [("from", name(of: from)), ("to", name(of: to))])
    }

    public func repair(_ from: NodeID, _ to: NodeID) {
        network.cut.remove(LinkKey(from, to))
        traceFault("repair", [("from", name(of: from)), ("to", name(of: to))])
    }

    /// Symmetric partition between two groups.
    public func partition(_ a: [NodeID], _ b: [NodeID]) {
        for x in a {
            for y in b {
                cut(x, y)
                cut(y, x)
            }
        }
    }

    public func heal(_ a: [NodeID], _ b: [NodeID]) {
        for x in a {
            for y in b {
                repair(x, y)
                repair(y, x)
            }
        }
    }

    /// Holds every message sent on the link until `release`.
    public func clog(_ from: NodeID, _ to: NodeID) {
        network.clogged.insert(LinkKey(from, to))
        traceFault("clog", [("from", name(of: from)), ("to", name(of: to))])
    }

    /// Releases a clogged link: held messages go out now, in the order they were sent.
    public func release(_ from: NodeID, _ to: NodeID) {
        let key = LinkKey(from, to)
        network.clogged.remove(key)
        traceFault(
            "release",
            [
                ("from", name(of: from)), ("to", name(of: to)),
                ("held", String(network.held[key]?.count ?? 0)),
            ])
        let held = network.held.removeValue(forKey: key) ?? []
        for h in held { transmit(h.message, key: key, counted: h.counted) }
    }

    /// Repairs every cut and releases every clog (the "heal" step before liveness checks).
    public func healAll() {
        for k in network.cut.sorted() { repair(k.from, k.to) }
        for k in network.clogged.sorted() { release(k.from, k.to) }
    }

    public var hasNetworkFaults: Bool { !network.cut.isEmpty || !network.clogged.isEmpty }

    func traceFault(_ kind: String, _ fields: [(String, String)]) {
        trace.append(TraceRecord(time: now, node: "sim", kind: "fault." + kind, fields: fields))
    }

    // MARK: trace

    public func trace(node: NodeID, kind: String, _ fields: [(String, String)]) {
        trace.append(TraceRecord(time: now, node: name(of: node), kind: kind, fields: fields))
    }

    /// A record not attributed to a node (scenario steps, checks).
    public func trace(_ kind: String, _ fields: [(String, String)] = [], node: String = "sim") {
        trace.append(TraceRecord(time: now, node: node, kind: kind, fields: fields))
    }

    // MARK: running

    /// True when nothing but periodic timers is pending: no messages in flight, no
    /// one-shot timers, no scheduled actions.
    public var isQuiescent: Bool { busyCount == 0 && pendingActions == 0 }
    var pendingActions = 0

    public var hasPendingEvents: Bool { !queue.isEmpty }
    public var nextEventTime: SimTime? { queue.minTime }

    /// Processes one event. Returns false when the queue is empty.
    @discardableResult
    public func step() -> Bool {
        guard let e = queue.pop() else { return false }
        now = e.time
        eventsProcessed &+= 1
        dispatch(e)
        return true
    }

    func dispatch(_ e: Entry) {
        switch e.payload {
        case .timer(let node, let inc, let tag, let periodic):
            let i = Int(node.raw)
            if slots[i].incarnation != inc || slots[i].status == .down {
                if !periodic { busyCount -= 1 }
                return
            }
            if slots[i].status == .paused {
                slots[i].held.append(e)
                return
            }
            if !periodic { busyCount -= 1 }
            slots[i].node.timerFired(tag, NodeContext(sim: self, node: node))
        case .deliver(let from, let to, let message, let counted):
            deliver(e, from: from, to: to, message: message, counted: counted)
        case .action(_, let body):
            pendingActions -= 1
            body(self)
        case .vacant:
            break
        }
    }

    func deliver(_ e: Entry, from: NodeID, to: NodeID, message: any SimMessage, counted: Bool) {
        let i = Int(to.raw)
        let done = counted ? 1 : 0
        if network.isCut(LinkKey(from, to)) {
            busyCount -= done
            traceNet(from, "drop", [("to", slots[i].name), ("why", "partition"), ("msg", message.traceLabel)])
            return
        }
        switch slots[i].status {
        case .down:
            busyCount -= done
            traceNet(from, "drop", [("to", slots[i].name), ("why", "node down"), ("msg", message.traceLabel)])
        case .paused:
            slots[i].held.append(e)
        case .running:
            busyCount -= done
            if traceNetwork {
                if trace.keepsRecords {
                    trace(
                        node: to, kind: "net.recv", [("from", slots[Int(from.raw)].name), ("msg", message.traceLabel)])
                } else {
                    trace.appendLine(time: now, node: slots[i].name, kind: "net.recv") { line in
                        line.field("from")
                        line.write(slots[Int(from.raw)].name)
                        line.field("msg")
                        message.writeTraceLabel(&line)
                    }
                }
            }
            slots[i].node.receive(message, from: from, NodeContext(sim: self, node: to))
        }
    }

    /// Runs events until the queue is empty or the next event is after `time`; the clock
    /// then stands at `time`.
    public func run(until time: SimTime) {
        while let next = queue.minTime, next <= time { step() }
        if now < time { now = time }
    }

    /// Runs until quiescent (only periodic timers left) or `deadline`. Returns true when
    /// quiescence was reached.
    @discardableResult
    public func runUntilQuiescent(deadline: SimTime) -> Bool {
        while !isQuiescent {
            guard let next = queue.minTime, next <= deadline else { return false }
            step()
        }
        return true
    }
}
