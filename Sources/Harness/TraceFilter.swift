import Scenario
import SimKernel

/// Chooses which trace records a replay writes to its `--trace` file (the trace hash
/// always covers every record). Selectors name roles or nodes:
/// - `relay`: records of relay replicas, except lock chatter;
/// - `client`: records of actors' clients;
/// - `locks`: the lock service and every replica's lock-client records and messages;
/// - `remote`: remote git servers (mirrors, upstreams);
/// - `sim`: the kernel's and the harness's own records (steps, faults, heal);
/// - or the exact name of a node (`relay#1`, `alice`, `mirror.example`).
public struct TraceFilter {
    public static let roles = ["relay", "client", "locks", "remote", "sim"]
    let roles: Set<String>
    let nodes: Set<String>
    let relayNodes: Set<String>, clientNodes: Set<String>, remoteNodes: Set<String>

    /// Throws a message naming the unknown selector (with the nearest known one).
    public init(_ selectors: [String], world: World) throws {
        relayNodes = Set(world.replicas.map(\.name))
        clientNodes = Set(world.scenario.actors.map(\.name))
        remoteNodes = Set(world.scenario.remotes.map(\.domain))
        let known = Self.roles + (relayNodes.union(clientNodes).union(remoteNodes)).sorted() + ["locks"]
        var roles = Set<String>()
        var nodes = Set<String>()
        for s in selectors.map({ $0.trimmingSpaces() }) where !s.isEmpty {
            if Self.roles.contains(s) {
                roles.insert(s)
            } else if known.contains(s) {
                nodes.insert(s)
            } else {
                var m =
                    "--only: unknown role or node '\(s)' (roles: \(Self.roles.joined(separator: ", ")); or a node name)"
                if let near = Suggest.closest(to: s, among: known) { m += "; did you mean '\(near)'?" }
                throw ConfigError(message: m)
            }
        }
        self.roles = roles
        self.nodes = nodes
    }

    /// Lock traffic: the lock client's records and lock requests and replies on the wire.
    static func isLockChatter(_ r: TraceRecord) -> Bool {
        r.kind.hasPrefix("lock.") || r.field("msg")?.hasPrefix("lock") == true
    }

    public func accepts(_ r: TraceRecord) -> Bool {
        if nodes.contains(r.node) { return true }
        if r.node == "locks" || Self.isLockChatter(r) { return roles.contains("locks") }
        if relayNodes.contains(r.node) { return roles.contains("relay") }
        if clientNodes.contains(r.node) { return roles.contains("client") }
        if remoteNodes.contains(r.node) { return roles.contains("remote") }
        return roles.contains("sim")
    }
}
