import SimKernel
import Relay
import Scenario

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

private func configWithErrors(scenario: Scenario, overrides: [(String, String)]) -> (config: RelayConfig, errors: [String]) {
    var c = RelayConfig()
    if let first = scenario.relays.first { c.domain = first.domain }
    var errors: [String] = []
    let allKeys = (RelayConfig.keys + DeploymentSettings.keys).map(\.0)
    func apply(_ key: String, _ value: String, where place: String) {
        do {
            var probe = DeploymentSettings()
            if try probe.set(key, value) { return }
            if try c.set(key, value) { return }
            var m = "\(place)unknown configuration key '\(key)'"
            if let near = Suggest.closest(to: key, among: allKeys) { m += "; did you mean '\(near)'?" }
            else { m += " (`graspsim invariants` lists the keys)" }
            errors.append(m)
        } catch {
            errors.append("\(place)\(error)")
        }
    }
    for o in scenario.config { apply(o.key, o.value, where: "\(o.location): error: ") }
    for (k, v) in overrides { apply(k, v, where: "--set: error: ") }
    return (c, errors)
}
