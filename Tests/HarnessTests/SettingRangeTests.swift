import Foundation
import Harness
import Relay
import RelayProcess
import Scenario
import Testing

/// Every configuration key refuses values outside its range at load time, naming the key
/// (`--set`) or the file and line (`config:`), instead of crashing or hanging a run.
@Suite struct SettingRangeTests {
    static var allSettings: [(key: String, refused: [String])] {
        RelayConfig.settings.map { ($0.key, $0.refused) } + DeploymentSettings.settings.map { ($0.key, $0.refused) }
    }

    @Test(arguments: allSettings.map(\.key))
    func everyKeyRefusesValuesOutsideItsRange(_ key: String) throws {
        let refused = try #require(Self.allSettings.first { $0.key == key }?.refused)
        #expect(!refused.isEmpty)
        let scenario = Scenario(name: "ranges", file: "ranges.yaml")
        for value in refused {
            let errors = configErrors(scenario: scenario, overrides: [(key, value)])
            #expect(errors.count == 1, "\(key)=\(value) was accepted")
            #expect(errors.first?.hasPrefix("--set: error: bad value '\(value)' for \(key)") == true, "\(errors)")
        }
    }

    /// Broken-implementation switches are `variant.*`; every one still answers to its
    /// older `fault.*` name, and the effective configuration names it `variant.*`.
    @Test func oldFaultNamesOfVariantsStillWork() throws {
        let scenario = Scenario(name: "alias", file: "alias.yaml")
        let variants = Self.allSettings.map(\.key).filter { $0.hasPrefix("variant.") }
        #expect(variants.count >= 30)
        #expect(!Self.allSettings.contains { $0.key.hasPrefix("fault.") })
        for key in variants {
            let old = "fault." + key.dropFirst("variant.".count)
            #expect(configErrors(scenario: scenario, overrides: [(old, "true")]).isEmpty, "\(old)")
            let effective = effectiveConfiguration(scenario: scenario, overrides: [(old, "true")])
            let entry = try #require(effective.first { $0.key == key })
            #expect(entry.value == "true" && entry.source == .set, "\(old) → \(entry)")
        }
        #expect(
            configErrors(scenario: scenario, overrides: [("fault.no_such_switch", "true")]).first?
                .contains("unknown configuration key 'fault.no_such_switch'") == true)
    }

    /// The values that used to crash (SIGILL) or hang a run.
    @Test func formerCrashesAndHangsAreLoadErrors() {
        let scenario = Scenario(name: "ranges", file: "ranges.yaml")
        for (key, value) in [
            ("lock.heartbeat_fraction", "0"), ("replica.cycle_interval", "0s"), ("lock.retry_initial", "0s"),
            ("sweep_interval", "0s"), ("sync.tick", "0s"),
        ] {
            #expect(!configErrors(scenario: scenario, overrides: [(key, value)]).isEmpty, "\(key)=\(value)")
        }
    }

    @Test func keysThatContradictEachOtherAreErrors() {
        let scenario = Scenario(name: "ranges", file: "ranges.yaml")
        let errors = configErrors(
            scenario: scenario, overrides: [("lock.retry_initial", "2s"), ("lock.retry_max", "1s")])
        #expect(errors == ["--set: error: lock.retry_max (1s) is below lock.retry_initial (2s)"])
        #expect(
            !configErrors(scenario: scenario, overrides: [("lock.ttl", "1s"), ("lock.command_timeout", "2s")]).isEmpty)
        #expect(
            !configErrors(scenario: scenario, overrides: [("sync.backoff_base", "5m"), ("sync.backoff_cap", "1m")])
                .isEmpty)
    }

    @Test func scenarioFileValuesOutOfRangeNameTheLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("graspsim-ranges-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/bad.yaml"
        try "name: bad\nconfig:\n  lock.ttl: 10s\n  lock.heartbeat_fraction: 0\nactors: [alice]\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let s = try ScenarioLoader.load(path: file)
        let errors = configErrors(scenario: s, overrides: [])
        #expect(errors.count == 1)
        #expect(errors.first?.contains("bad.yaml:4:") == true, "\(errors)")
        #expect(errors.first?.contains("lock.heartbeat_fraction") == true)
    }

    /// What a report records is what the run used: a value read back parses to itself.
    @Test func effectiveValuesReadBackAsTheyWereSet() throws {
        var c = DeploymentSettings()
        for s in DeploymentSettings.settings {
            let v = s.value(in: c)
            guard v != "unset" else { continue }
            #expect(throws: Never.self) { _ = try c.set(s.key, v) }
            #expect(s.value(in: c) == v, "\(s.key)")
        }
        let scenario = Scenario(name: "ranges", file: "ranges.yaml")
        let eff = effectiveConfiguration(scenario: scenario, overrides: [("lock.ttl", "10s")])
        #expect(eff.first { $0.key == "lock.ttl" }.map { ($0.value, $0.source) } ?? ("", .defaults) == ("10s", .set))
        #expect(eff.first { $0.key == "purgatory_ttl" }?.source == .defaults)
        #expect(eff.count == RelayConfig.settings.count + DeploymentSettings.settings.count)
    }
}
