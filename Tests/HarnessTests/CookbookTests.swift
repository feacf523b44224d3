import Checks
import Foundation
import Scenario
import SimKernel
import Testing

@testable import Harness

/// Every recipe of the scenario-format cookbook (docs/cookbook/) loads and holds, as the
/// documentation says, and the lock-settings recipe holds with the settings its text
/// suggests and catches the race without fencing.
@Suite struct Cookbook {
    static let dir = repoRoot + "/docs/cookbook"
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted()

    @Test func sixRecipes() {
        #expect(
            Self.files
                == [
                    "check-your-lock-settings.yaml", "git-first-pr.yaml", "maintainer-push-before-state.yaml",
                    "replicas-with-pause.yaml", "sync-from-flaky-mirror.yaml", "gc-pauses.yaml",
                ].sorted())
    }

    @Test(arguments: files) func recipeHolds(_ file: String) throws {
        let s = try ScenarioLoader.load(path: Self.dir + "/" + file)
        for seed in UInt64(0)..<15 {
            let (r, w) = try Runner.runOne(s, seed: seed)
            w.recycle()
            #expect(r.passed, "\(file) seed \(seed): \(r.violations.map(\.description))")
        }
    }

    @Test func lockSettingsRecipeWithSuggestedSettings() throws {
        let s = try ScenarioLoader.load(path: Self.dir + "/check-your-lock-settings.yaml")
        let mine = RunOptions(overrides: [("lock.ttl", "10s"), ("lock.heartbeat_fraction", "0.5")])
        for seed in UInt64(0)..<10 {
            let (r, w) = try Runner.runOne(s, seed: seed, options: mine)
            w.recycle()
            #expect(r.passed, "seed \(seed): \(r.violations.map(\.description))")
        }
        let hits = try firstViolation(s, "single-writer", overrides: [("fencing", "false")], seeds: 0..<60)
        #expect(hits != nil)
    }
}
