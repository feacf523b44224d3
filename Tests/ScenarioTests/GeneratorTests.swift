import SimKernel
import Testing

@testable import Scenario

/// The workload generator draws valid scenarios, the same for the same seed, written out
/// as files the loader reads back unchanged.
@Suite struct WorkloadGeneration {
    @Test(arguments: [GeneratorProfile.arrival, .locks, .all]) func generatedScenariosRoundTrip(
        _ profile: GeneratorProfile
    ) throws {
        for seed in UInt64(0)..<60 {
            let s = WorkloadGenerator.scenario(profile: profile, seed: seed)
            #expect(!s.steps.isEmpty && !s.repos.isEmpty)
            #expect(s.expectations.isEmpty)
            let yaml = ScenarioWriter.yaml(s, schedule: nil)
            let back = try ScenarioLoader.parse(yaml: yaml, file: "gen.yaml")
            #expect(ScenarioWriter.yaml(back, schedule: nil) == yaml, "seed \(seed) does not round-trip")
        }
    }

    @Test func sameSeedSameScenario() {
        for seed in UInt64(0)..<20 {
            let a = ScenarioWriter.yaml(WorkloadGenerator.scenario(profile: .all, seed: seed), schedule: nil)
            let b = ScenarioWriter.yaml(WorkloadGenerator.scenario(profile: .all, seed: seed), schedule: nil)
            #expect(a == b)
        }
        let x = ScenarioWriter.yaml(WorkloadGenerator.scenario(profile: .arrival, seed: 1), schedule: nil)
        let y = ScenarioWriter.yaml(WorkloadGenerator.scenario(profile: .arrival, seed: 2), schedule: nil)
        #expect(x != y)
    }

    @Test func locksProfileHasReplicas() {
        let s = WorkloadGenerator.scenario(profile: .locks, seed: 3)
        #expect(s.relays.first?.replicas ?? 0 >= 2)
    }
}
