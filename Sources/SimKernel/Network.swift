/// Latency of one message on a link.
public enum LatencyModel: Equatable, Sendable {
    case fixed(SimDuration)
    /// Uniform in [min, max].
    case uniform(SimDuration, SimDuration)
    /// `base` plus an exponential tail with the given mean (a crude long-tail model).
    case exponential(base: SimDuration, mean: SimDuration)

    func draw<R: RandomNumberGenerator>(_ rng: inout R) -> SimDuration {
        switch self {
        case .fixed(let d): return d
        case .uniform(let lo, let hi): return hi <= lo ? lo : rng.duration(in: lo...hi)
        case .exponential(let base, let mean):
            let u = max(rng.unit(), 1e-12)
            let tail = -Double(mean.nanoseconds) * DeterministicMath.ln(u)
            return base + Time.ns(Int64(min(tail, Double(mean.nanoseconds) * 50)))
        }
    }
}

/// Behaviour of one directed link. All probabilities are per message.
public struct LinkConfig: Equatable, Sendable {
    public var latency: LatencyModel
    public var loss: Double
    public var duplicate: Double
    /// Probability that a message skips the per-link FIFO order and takes up to
    /// `reorderWindow` of extra delay.
    public var reorder: Double
    public var reorderWindow: SimDuration
    /// Deliver in send order (a TCP stream / websocket). Reordering faults still apply.
    public var ordered: Bool

    public init(
        latency: LatencyModel = .uniform(Time.ms(1), Time.ms(20)), loss: Double = 0,
        duplicate: Double = 0, reorder: Double = 0, reorderWindow: SimDuration = Time.ms(200),
        ordered: Bool = true
    ) {
        self.latency = latency
        self.loss = loss
        self.duplicate = duplicate
        self.reorder = reorder
        self.reorderWindow = reorderWindow
        self.ordered = ordered
    }
}

public struct LinkKey: Hashable, Comparable, Sendable {
    public var from: NodeID
    public var to: NodeID
    public init(_ from: NodeID, _ to: NodeID) {
        self.from = from
        self.to = to
    }
    public static func < (a: LinkKey, b: LinkKey) -> Bool { (a.from, a.to) < (b.from, b.to) }
}

/// The simulated network's state: link configurations, partitions and clogs.
/// Owned by `Simulation`; changed through its fault API.
struct NetworkState {
    var defaultLink = LinkConfig()
    var links: [LinkKey: LinkConfig] = [:]
    /// Directed links that drop everything (partitions are made of these).
    var cut: Set<LinkKey> = []
    /// Directed links whose messages are held until released.
    var clogged: Set<LinkKey> = []
    var held: [LinkKey: [(message: any SimMessage, sentAt: SimTime, counted: Bool)]] = [:]
    /// Last scheduled delivery per link, for FIFO links: `lastDelivery[from][to]` (node ids
    /// are dense; a hash lookup per message cost a percent of a lock run).
    var lastDelivery: [[SimTime]] = []

    // Most runs have no per-link settings and most of the time no cut: the emptiness
    // checks spare a hash lookup per message.
    func config(_ k: LinkKey) -> LinkConfig { links.isEmpty ? defaultLink : links[k] ?? defaultLink }
    func isCut(_ k: LinkKey) -> Bool { !cut.isEmpty && cut.contains(k) }

    /// Moves `at` no earlier than the link's last scheduled delivery and records it (one
    /// dictionary access).
    mutating func deliverInOrder(_ at: inout SimTime, on k: LinkKey) {
        let from = Int(k.from.raw)
        let to = Int(k.to.raw)
        precondition(from >= 0 && to >= 0, "a link between nodes the simulation never added")
        if from >= lastDelivery.count { lastDelivery += Array(repeating: [], count: from + 1 - lastDelivery.count) }
        if to >= lastDelivery[from].count {
            lastDelivery[from] += Array(repeating: 0, count: to + 1 - lastDelivery[from].count)
        }
        Self.later(&lastDelivery[from][to], &at)
    }
    private static func later(_ last: inout SimTime, _ at: inout SimTime) {
        at = max(at, last)
        last = at
    }
}
