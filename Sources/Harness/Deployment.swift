import SimKernel
import Relay
import Coordination
import Scenario
import Sync
import RelayProcess

/// Settings of the simulated deployment (`--set` / `config:`): how each relay process
/// behaves (`ProcessSettings`, with its broken variants) plus what only the simulation
/// has — shared storage faults, the lock service's failover and the checks' thresholds.
public struct DeploymentSettings: Sendable {
    public var process = ProcessSettings()
    /// Every repository deletion fails before this time.
    public var deleteFailsUntil: SimDuration? = nil
    /// Lock-service failover (losing `failoverLag` of recent writes) at this time.
    public var failoverAt: SimDuration? = nil
    public var failoverLag: SimDuration = Time.s(2)
    /// Largest share of push attempts answered 503 the `push-availability` check allows.
    public var max503Share: Double = 0.2
    /// Longest a crashed holder's lease may outlive the crash (`lock-freed-after-crash`);
    /// nil: the lock ttl plus one second plus the network's largest latency.
    public var maxLockedAfterCrash: SimDuration? = nil

    public init() {}

    // The process settings the checks and tests reach most, by their short names.
    public var lock: LockOptions { get { process.lock } set { process.lock = newValue } }
    public var sync: SyncConfig { get { process.sync } set { process.sync = newValue } }
    public var remoteTimeout: SimDuration { process.remoteTimeout }
    public var cycleInterval: SimDuration { process.cycleInterval }
    public var cycleStep: SimDuration { process.cycleStep }

    public static let keys: [(String, String)] = [
        ("storage.delete_fails_until", "every repository deletion fails before this time (duration)"),
        ("lock.failover_at", "fail the lock service over at this time (duration)"),
        ("lock.failover_lag", "writes the failover loses (duration, default 2s)"),
        ("checks.max_503_share", "push-availability threshold (0..1, default 0.2)"),
        ("checks.max_locked_after_crash", "lock-freed-after-crash bound (duration, default lock.ttl + 1s + the largest latency)"),
    ] + ProcessSettings.keys

    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        if try process.set(key, value) { return true }
        func dur() throws -> SimDuration { try parseDuration(value, key: key) }
        switch key {
        case "storage.delete_fails_until": deleteFailsUntil = try dur()
        case "lock.failover_at": failoverAt = try dur()
        case "lock.failover_lag": failoverLag = try dur()
        case "checks.max_503_share":
            guard let d = Double(value), d >= 0, d <= 1 else { throw ConfigValueError(key: key, value: value, expected: "a number from 0 to 1") }
            max503Share = d
        case "checks.max_locked_after_crash":
            let d = try dur()
            guard d > 0 else { throw ConfigValueError(key: key, value: value, expected: "a duration longer than 0") }
            maxLockedAfterCrash = d
        default: return false
        }
        return true
    }

    static func from(_ scenario: Scenario, _ overrides: [(String, String)]) -> DeploymentSettings {
        var s = DeploymentSettings()
        for o in scenario.config { _ = try? s.set(o.key, o.value) }
        for (k, v) in overrides { _ = try? s.set(k, v) }
        return s
    }
}
