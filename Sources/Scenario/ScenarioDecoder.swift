import Foundation
import SimKernel
import Yams

/// One pass over the node tree builds the model and records every cross reference with
/// its location; a second pass (`checkReferences`) validates them against the names
/// defined anywhere in the file.
final class ScenarioDecoder {
    let reader: NodeReader
    var nameLocation: SourceLocation?

    init(file: String) { reader = NodeReader(file: file) }

    enum RefKind {
        case actor, relay, relayNode, node, repo
        case commit(repo: String)
        /// A repo that must also pass the check (the closure explains why it does not fit).
        case repoWhere((RepoSpec) -> String?)
        /// The domain of a `remotes` entry.
        case remote
        /// A domain in a `clone:` list: a remote's or a relay's.
        case cloneDomain
        /// A step id; the closure explains why the named step does not fit (or nil).
        case step(((StepSpec) -> String?)?)
    }

    struct PendingRef {
        var kind: RefKind
        var name: String
        var location: SourceLocation
    }

    var refs: [PendingRef] = []
    /// For each step (flattened order): where its `after:` value is, if it has one.
    var afterLocations: [Int: SourceLocation] = [:]
    var stepIDLocations: [SourceLocation] = []

    static let topKeys = [
        "name", "description", "duration", "heal_at", "quiescence_bound", "config",
        "relays", "actors", "network", "repos", "remotes", "steps", "faults", "random_faults",
        "expect", "invariants",
    ]

    func ref(_ kind: RefKind, _ name: String, _ node: Node) {
        refs.append(PendingRef(kind: kind, name: name, location: reader.location(node)))
    }

    // MARK: Top level

    func decode(_ root: Node) -> Scenario? {
        let r = reader
        guard let top = r.fields(root, "the scenario", known: Self.topKeys) else { return nil }
        var s = Scenario(name: "", file: r.file)

        decodeHeader(top, into: &s)
        if let n = top["quiescence_bound"], let d = r.duration(n, "'quiescence_bound'") { s.quiescenceBound = d }
        if let n = top["config"] { s.config = decodeConfig(n) }
        if let n = top["relays"] {
            s.relays = decodeRelays(n)
        } else {
            s.relays = [RelaySpec(name: "relay", domain: "relay.test", replicas: 1, location: .unknown)]
        }
        if let n = top["actors"] { s.actors = decodeActors(n) }
        if let n = top["network"], let link = decodeLink(n, "'network'", base: LinkSpec(), endpoints: false) {
            s.network = link.spec
        }
        if let n = top["repos"] { s.repos = decodeRepos(n) }
        if let n = top["remotes"] { s.remotes = decodeRemotes(n) }
        if let n = top["steps"] { s.steps = decodeSteps(n) }
        if let n = top["faults"] { s.faults = decodeFaults(n, network: s.network) }
        if let n = top["random_faults"] { s.randomFaults = decodeRandomFaults(n, scenario: s) }
        if let n = top["expect"] { s.expectations = decodeExpectations(n) }
        if let n = top["invariants"] {
            s.invariants = decodeInvariants(n, judgingExpectations: !s.expectations.isEmpty)
        }
        checkNames(s)
        checkReferences(s)
        checkAfterCycles(s)
        return s
    }

    /// `invariants:`: known, selectable names, each once; with an `expect:` list, `expectations` among them.
    func decodeInvariants(_ n: Node, judgingExpectations: Bool) -> [InvariantName] {
        let r = reader
        guard let items = r.list(n, "'invariants'") else { return [] }
        var out: [InvariantName] = []
        defer {
            // An `expect:` list that no invariant judges would be a check silently dropped.
            if judgingExpectations, !out.isEmpty, !out.contains(.expectations) {
                r.error(
                    n,
                    "'invariants' leaves out 'expectations', so the 'expect' list would not be judged; add 'expectations' (or drop 'invariants' to check everything)"
                )
            }
        }
        var seen = Set<String>()
        for item in items {
            guard let name = r.text(item, "an invariant name") else { continue }
            if !seen.insert(name).inserted { r.error(item, "invariant '\(name)' is listed twice") }
            guard let known = InvariantName(rawValue: name), InvariantName.selectable.contains(known) else {
                var m = "unknown invariant '\(name)'"
                let names = InvariantName.selectable.map(\.rawValue)
                if let near = Suggest.closest(to: name, among: names) {
                    m += "; did you mean '\(near)'?"
                } else if name == InvariantName.determinism.rawValue {
                    m += "; determinism is always checked by sweeps"
                } else {
                    m += " (`graspsim invariants` lists them)"
                }
                r.error(item, m)
                continue
            }
            out.append(known)
        }
        return out
    }

    /// `name`, `description`, `duration` and `heal_at`.
    private func decodeHeader(_ top: Fields, into s: inout Scenario) {
        let r = reader
        if let n = top["name"] {
            nameLocation = r.location(n)
            if let name = r.text(n, "'name'") {
                if name.trimmingSpaces().isEmpty { r.error(n, "'name' must not be empty") }
                s.name = name
            }
        } else {
            r.error(top.location, "missing required key 'name' (the scenario's name)")
        }
        if let n = top["description"], let d = r.optionalText(n, "'description'") { s.description = d }
        if let n = top["duration"], let d = r.duration(n, "'duration'") {
            if d <= 0 { r.error(n, "'duration' must be longer than 0") }
            s.duration = d
        }
        if let n = top["heal_at"], let d = r.duration(n, "'heal_at'") {
            if d > s.duration {
                r.error(
                    n,
                    "'heal_at' (\(DurationText.format(d))) is after the end of the run ('duration' \(DurationText.format(s.duration)))"
                )
            }
            s.healAt = d
        }
    }

    func decodeConfig(_ node: Node) -> [ConfigOverride] {
        let r = reader
        guard case .mapping(let m) = node else {
            r.error(node, "'config' must be a mapping of setting: value, found \(NodeReader.describe(node))")
            return []
        }
        var out: [ConfigOverride] = []
        for (k, v) in m {
            guard let key = r.text(k, "a config key") else { continue }
            guard case .scalar(let vs) = v, !NodeReader.isNull(v) else {
                r.error(
                    v,
                    "config value for '\(key)' must be a single value (text, number or true/false), found \(NodeReader.describe(v))"
                )
                continue
            }
            out.append(ConfigOverride(key: key, value: vs.string, location: r.location(k)))
        }
        return out
    }

    func decodeRelays(_ node: Node) -> [RelaySpec] {
        let r = reader
        guard let items = r.list(node, "'relays'") else { return [] }
        if items.isEmpty { r.error(node, "'relays' must list at least one relay (leave it out for the default relay)") }
        var out: [RelaySpec] = []
        for item in items {
            if case .scalar = item {
                guard let name = r.name(item, "relay name") else { continue }
                out.append(RelaySpec(name: name, domain: "\(name).test", replicas: 1, location: r.location(item)))
                continue
            }
            guard let f = r.fields(item, "a relay", known: ["name", "domain", "replicas"]) else { continue }
            guard let nn = f["name"] else {
                r.error(f.location, "missing required key 'name' in a relay")
                continue
            }
            guard let name = r.name(nn, "relay name") else { continue }
            var relay = RelaySpec(name: name, domain: "\(name).test", replicas: 1, location: r.location(nn))
            if let d = f["domain"], let domain = r.text(d, "'domain'") {
                if domain.isEmpty || domain.contains(where: { $0 == " " || $0 == "/" }) {
                    r.error(d, "'domain' '\(domain)' must be a host name without spaces or '/'")
                }
                relay.domain = domain
            }
            if let n = f["replicas"], let k = r.integer(n, "'replicas'") {
                if k < 1 { r.error(n, "'replicas' must be at least 1, found \(k)") }
                relay.replicas = Int(clamping: k)
            }
            out.append(relay)
        }
        return out
    }

    func decodeActors(_ node: Node) -> [ActorSpec] {
        let r = reader
        guard let items = r.list(node, "'actors'") else { return [] }
        var out: [ActorSpec] = []
        for item in items {
            if case .scalar = item {
                guard let name = r.name(item, "actor name") else { continue }
                out.append(ActorSpec(name: name, relay: nil, location: r.location(item)))
                continue
            }
            guard let f = r.fields(item, "an actor", known: ["name", "relay"]) else { continue }
            guard let nn = f["name"] else {
                r.error(f.location, "missing required key 'name' in an actor")
                continue
            }
            guard let name = r.name(nn, "actor name") else { continue }
            var actor = ActorSpec(name: name, relay: nil, location: r.location(nn))
            if let rn = f["relay"], let relay = r.text(rn, "'relay'") {
                ref(.relay, relay, rn)
                actor.relay = relay
            }
            out.append(actor)
        }
        return out
    }

    struct DecodedLink {
        var from: String?
        var to: String?
        var spec: LinkSpec
    }

    func decodeLink(_ node: Node, _ what: String, base: LinkSpec, endpoints: Bool) -> DecodedLink? {
        let r = reader
        let known = (endpoints ? ["from", "to"] : []) + ["latency", "loss", "duplicate", "reorder"]
        guard let f = r.fields(node, what, known: known) else { return nil }
        var link = DecodedLink(from: nil, to: nil, spec: base)
        if endpoints {
            (link.from, link.to) = decodeEndpoints(f, what)
        }
        if let n = f["latency"], let (lo, hi, _) = r.durationRange(n, "'latency'") {
            link.spec.latencyMin = lo
            link.spec.latencyMax = hi
        }
        if let n = f["loss"], let p = r.probability(n, "'loss'") { link.spec.loss = p }
        if let n = f["duplicate"], let p = r.probability(n, "'duplicate'") { link.spec.duplicate = p }
        if let n = f["reorder"], let p = r.probability(n, "'reorder'") { link.spec.reorder = p }
        return link
    }

    func decodeEndpoints(_ f: Fields, _ what: String) -> (String?, String?) {
        let r = reader
        var from: String?
        var to: String?
        if let n = f["from"] {
            from = r.text(n, "'from'")
            if let from { ref(.node, from, n) }
        } else {
            r.error(f.location, "missing required key 'from' in \(what)")
        }
        if let n = f["to"] {
            to = r.text(n, "'to'")
            if let to { ref(.node, to, n) }
            if let from, let to, from == to { r.error(n, "'from' and 'to' are the same node '\(to)'") }
        } else {
            r.error(f.location, "missing required key 'to' in \(what)")
        }
        return (from, to)
    }
}
