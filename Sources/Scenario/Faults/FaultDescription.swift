import SimKernel

/// Everything about one kind of injected fault, in one place: its keyword in scenario
/// files and what it means (the schema's text; a test holds them equal), how it is read
/// and written, how it is drawn at random (when it can be), and what starting and ending it
/// does to a deployment. Each kind is one file in this folder; `FaultKind.descriptions`
/// lists them.
///
/// Adding a kind: a case in `FaultKind` (Model.swift), a file here, a line in the list below.
public struct FaultDescription: Sendable {
    public let keyword: String
    /// One sentence, as `docs/scenario.schema.json` describes the keyword.
    public let meaning: String
    /// Reads the value under the keyword; errors go to the decoder's reader (file:line).
    let decode: @Sendable (ScenarioDecoder, Fields.Entry, _ network: LinkSpec) -> FaultKind?
    /// The value to write under the keyword; nil when the fault is of another kind.
    let encode: @Sendable (FaultKind) -> String?
    let start: @Sendable (FaultKind, any FaultTarget) -> Void
    let end: @Sendable (FaultKind, any FaultTarget) -> Void
    /// How `random_faults` draws one; nil when it cannot be drawn at random.
    public let random: RandomFaultDraw?

    func matches(_ kind: FaultKind) -> Bool { encode(kind) != nil }
}

extension FaultKind {
    /// Every kind. The order is the order kinds are listed in messages and the order swarm
    /// testing considers the random ones (which decides its per-seed draws: append only).
    public static let descriptions: [FaultDescription] = [
        .partition, .pause, .crash, .clog, .link, .oneWay, .skew, .isolate,
    ]

    static let keywords = descriptions.map(\.keyword)

    /// The names `random_faults.kinds` accepts, in the order above.
    public static let randomKinds = descriptions.compactMap { $0.random?.name }

    public var described: FaultDescription {
        guard let d = Self.descriptions.first(where: { $0.matches(self) }) else {
            preconditionFailure("fault kind without a description: \(self)")
        }
        return d
    }

    /// `keyword: value`, as a scenario file writes it.
    var encoded: String {
        let d = described
        return "\(d.keyword): \(d.encode(self)!)"
    }

    public func start(on target: any FaultTarget) { described.start(self, target) }
    public func end(on target: any FaultTarget) { described.end(self, target) }
}

/// What faults do to a deployment; the harness's world implements it. Names are node names
/// of scenario files (an actor, a relay, or one replica `relay#k`); a relay's name stands
/// for all of its replicas.
public protocol FaultTarget {
    func partition(_ a: [String], _ b: [String])
    func heal(_ a: [String], _ b: [String])
    /// Messages from -> to are dropped until `repair`.
    func cut(from: String, to: String)
    func repair(from: String, to: String)
    /// Messages from -> to are held until `release`, then delivered.
    func clog(from: String, to: String)
    func release(from: String, to: String)
    func pause(_ node: String)
    func resume(_ node: String)
    func crash(_ node: String)
    func restart(_ node: String)
    func setLink(from: String, to: String, _ link: LinkSpec)
    func resetLink(from: String, to: String)
    func setClock(_ node: String, skew: SimDuration, driftPPM: Int64)
    /// Every node of the deployment but `node`'s own, by name (a replicated relay's name
    /// covers its replicas).
    func everyone(except node: String) -> [String]
}

/// How one kind of fault is drawn at random, under its name in `random_faults.kinds`.
public struct RandomFaultDraw: Sendable {
    public let name: String
    /// One fault among `nodes`, and its length from `duration` (which draws it): nil when
    /// the deployment has no nodes for it (nothing more is drawn then). The order of draws
    /// is part of every seed's schedule: change it and old seeds replay differently.
    let draw:
        @Sendable (RandomFaultNodes, inout FaultRandom, _ duration: (inout FaultRandom) -> SimDuration)
            -> (FaultKind, SimDuration)?
}

/// The nodes a random fault can hit.
public struct RandomFaultNodes: Sendable {
    public let relays: [String]
    public let actors: [String]
    public let network: LinkSpec
    /// `locks` when the deployment has a lock service (a replicated relay), else nothing.
    public var lockService: [String] = []
    public var all: [String] { relays + actors }

    static func pick(_ names: [String], _ rng: inout FaultRandom) -> String { names[rng.int(in: 0..<names.count)] }
}

/// The schedule's random stream as the per-kind draws see it: the same values in the same
/// order (it forwards every `next()`).
public struct FaultRandom: RandomNumberGenerator {
    let forward: () -> UInt64
    public mutating func next() -> UInt64 { forward() }
}
