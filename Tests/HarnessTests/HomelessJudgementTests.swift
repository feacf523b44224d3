import Foundation
import Scenario
import SimKernel
import Testing

@testable import Checks
@testable import Harness

/// `SyncProgress` keeps its homeless judgements while the store's announcements, the
/// storage's repositories and purgatory's announcements stand still. Judging every waiting
/// state on every pass instead must mark the same ones homeless.
@Suite struct HomelessJudgementTests {
    final class Box: @unchecked Sendable { var family = SyncProgress() }

    static func homeless(_ s: Scenario, seed: UInt64, everyPass: Bool) throws -> (Set<String>, lost: Int) {
        let box = Box()
        box.family.judgeEveryPass = everyPass
        var options = RunOptions()
        options.beforeRun = { w in
            w.checks.setFamilies(w.checks.families.map { $0 is SyncProgress ? box.family : $0 })
        }
        let (_, w) = try Runner.runOne(s, seed: seed, options: options)
        w.recycle()
        return (box.family.homeless, box.family.homesLost)
    }

    /// Generated workloads (the shipped scenarios never leave a state homeless): 120 seeds
    /// of each profile, among them some twenty with homeless states, some of which had a
    /// home when first judged.
    @Test(arguments: GeneratorProfile.allCases)
    func keptJudgementsMatchJudgingEveryPass(_ profile: GeneratorProfile) throws {
        var homesLost = 0
        for seed: UInt64 in 0..<120 {
            let g = WorkloadGenerator.scenario(profile: profile, seed: seed)
            let kept = try Self.homeless(g, seed: seed, everyPass: false)
            let every = try Self.homeless(g, seed: seed, everyPass: true)
            #expect(kept.0 == every.0, "\(profile) seed \(seed)")
            #expect(kept.lost == every.lost, "\(profile) seed \(seed)")
            homesLost += kept.lost
        }
        // Some state judged to have a home lost it later: the case a stale judgement misses.
        #expect(homesLost > 0)
    }
}
