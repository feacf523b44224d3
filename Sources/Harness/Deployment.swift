import Coordination
import Relay
import RelayProcess
import Scenario
import SimKernel
import Sync

/// Settings of the simulated deployment (`--set` / `config:`): how each relay process
/// behaves (`ProcessSettings`, with its broken variants) plus what only the simulation
/// has — shared storage faults, the lock service's failover and the checks' thresholds.
public struct DeploymentSettings: Sendable {
    public var process = ProcessSettings()
    /// Every repository deletion fails before this time.
    public var deleteFailsUntil: SimDuration? = nil
    /// Lock-service failover (losing `failoverLag` of recent writes) at this time; a range
    /// is drawn per seed (the lag too).
    public var failoverAt: ClosedRange<SimDuration>? = nil
    public var failoverLag: ClosedRange<SimDuration> = Time.s(2)...Time.s(2)
    /// Largest share of push attempts answered 503 the `push-availability` check allows.
    public var max503Share: Double = 0.2
    /// Longest a crashed holder's lease may outlive the crash (`lock-freed-after-crash`);
    /// nil: the lock ttl plus one second plus the network's largest latency.
    public var maxLockedAfterCrash: SimDuration? = nil

    public init() {}

    // The process settings the checks and tests reach most, by their short names.
    public var lock: LockOptions {
        get { process.lock }
        set { process.lock = newValue }
    }
    public var sync: SyncConfig {
        get { process.sync }
        set { process.sync = newValue }
    }
    public var remoteTimeout: SimDuration { process.remoteTimeout }
    public var cycleInterval: SimDuration { process.cycleInterval }
    public var cycleStep: SimDuration { process.cycleStep }

    static func from(_ scenario: Scenario, _ overrides: [(String, String)]) -> DeploymentSettings {
        var s = DeploymentSettings()
        for o in scenario.config { _ = try? s.set(o.key, o.value) }
        for (k, v) in overrides { _ = try? s.set(k, v) }
        return s
    }
}

extension DeploymentSettings: Configurable {
    public static let settings: [Setting<DeploymentSettings>] =
        [
            .duration(
                "storage.delete_fails_until", \.deleteFailsUntil, "every repository deletion fails before this time",
                0...Time.day * 365),
            .durationRange(
                "lock.failover_at", \.failoverAt, "fail the lock service over at this time (a range: drawn per seed)",
                0...Time.day * 365),
            .durationRange(
                "lock.failover_lag", \.failoverLag, "writes the failover loses (a range: drawn per seed)", 0...Time.hour
            ),
            .number(
                "checks.max_503_share", \.max503Share,
                "push-availability threshold: largest share of pushes answered 503", 0...1),
            .duration(
                "checks.max_locked_after_crash", \.maxLockedAfterCrash,
                "lock-freed-after-crash bound (unset: lock.ttl + 1s + the largest latency)", Time.ms(1)...Time.day),
        ] + ProcessSettings.settings.map { $0.lifted(\.process) }

    public func consistencyProblems() -> [String] { process.consistencyProblems() }
}
