import Relay
import Scenario
import SimKernel

/// A configuration key or value the run cannot use.
public struct ConfigError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Builds a configuration from scenario overrides and command-line overrides; throws a
/// `ConfigError` listing every problem (see `configErrors`).
public func relayConfig(scenario: Scenario, overrides: [(String, String)]) throws -> RelayConfig {
    let (config, errors) = configWithErrors(scenario: scenario, overrides: overrides)
    if !errors.isEmpty { throw ConfigError(message: errors.joined(separator: "\n")) }
    return config
}

/// Every problem with a scenario's `config:` block and the `--set` overrides, one line
/// each: unknown keys (with the nearest known key) and malformed values. The scenario's
/// lines start with file:line:column, the command line's with `--set`.
public func configErrors(scenario: Scenario, overrides: [(String, String)]) -> [String] {
    configWithErrors(scenario: scenario, overrides: overrides).errors
}

/// Where a key's value came from.
public enum SettingSource: String, Sendable {
    case defaults = "default"
    case file
    case set = "--set"
}

/// One key of a run's effective configuration.
public struct EffectiveSetting: Sendable {
    public var key: String
    public var value: String
    public var source: SettingSource
    public init(key: String, value: String, source: SettingSource) {
        self.key = key
        self.value = value
        self.source = source
    }
}

/// The configuration a scenario runs with: every key of the relay and the deployment,
/// its value, and whether it is the default, from the scenario file or from `--set`.
public func effectiveConfiguration(scenario: Scenario, overrides: [(String, String)]) -> [EffectiveSetting] {
    let (config, deployment, _) = build(scenario: scenario, overrides: overrides)
    let fromSet = Set(overrides.map { SettingKey.canonical($0.0) })
    let fromFile = Set(scenario.config.map { SettingKey.canonical($0.key) })
    func source(_ key: String) -> SettingSource {
        fromSet.contains(key) ? .set : fromFile.contains(key) ? .file : .defaults
    }
    return (config.effectiveValues + deployment.effectiveValues).map {
        EffectiveSetting(key: $0.key, value: $0.value, source: source($0.key))
    }
}

private func configWithErrors(scenario: Scenario, overrides: [(String, String)]) -> (
    config: RelayConfig, errors: [String]
) {
    let (config, _, errors) = build(scenario: scenario, overrides: overrides)
    return (config, errors)
}

private func build(scenario: Scenario, overrides: [(String, String)])
    -> (config: RelayConfig, deployment: DeploymentSettings, errors: [String])
{
    var c = RelayConfig()
    var deployment = DeploymentSettings()
    if let first = scenario.relays.first { c.domain = first.domain }
    var errors: [String] = []
    var placeOf: [String: (order: Int, place: String)] = [:]
    // Every key, for messages only (listing them costs more than building a world).
    func allKeys() -> [String] { (RelayConfig.keys + DeploymentSettings.keys).map(\.0) }
    func apply(_ written: String, _ value: String, where place: String) {
        let key = SettingKey.canonical(written)
        placeOf[key] = (placeOf.count, place)
        do {
            if try deployment.set(key, value) { return }
            if try c.set(key, value) { return }
            var m = "\(place)unknown configuration key '\(written)'"
            if let near = Suggest.closest(to: key, among: allKeys()) {
                m += "; did you mean '\(near)'?"
            } else {
                m += " (`graspsim invariants` lists the keys)"
            }
            errors.append(m)
        } catch {
            errors.append("\(place)\(error)")
        }
    }
    for o in scenario.config { apply(o.key, o.value, where: "\(o.location): error: ") }
    for (k, v) in overrides { apply(k, v, where: "--set: error: ") }
    // Keys that are fine alone but not together: reported where the later of them was set.
    for problem in deployment.consistencyProblems() {
        let named = allKeys().filter { problem.contains($0) }
        let place = named.compactMap { placeOf[$0] }.max { $0.order < $1.order }?.place ?? "configuration: error: "
        errors.append(place + problem)
    }
    return (c, deployment, errors)
}
