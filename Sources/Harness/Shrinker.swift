import Checks
import Scenario
import SimKernel

/// Reduces a failing seed to a small reproducer: removes faults and steps while the same
/// failure still happens (same invariant, same expectation or kind of violation: see
/// `Violation.identity`), then rounds times; the result is a standalone scenario whose
/// every time is fixed and whose `config:` carries the `--set` overrides it ran with.
public enum Shrinker {
    public struct Outcome {
        public var scenario: Scenario
        public var schedule: Schedule
        public var violations: [Violation]
        public var invariant: InvariantName
        /// The failure kept while shrinking (`Violation.identity`).
        public var identity: String
        public var runs: Int
        public var before: (steps: Int, faults: Int)
        public var yaml: String
    }

    public static func shrink(
        _ scenario: Scenario, seed: UInt64, options: RunOptions = RunOptions(),
        swarm: Bool = false, maxRuns: Int = 400
    ) throws -> Outcome? {
        let original = Runner.schedule(for: scenario, seed: seed, swarm: swarm)
        let (first, _) = try Runner.runOne(scenario, seed: seed, options: options, swarm: swarm, schedule: original)
        guard let targetViolation = first.violations.first else { return nil }
        let target = targetViolation.identity
        var runs = 1
        var best = original
        var bestScenario = fixed(scenario, original)
        var bestViolations = first.violations

        func stillFails(_ s: Schedule) -> Bool {
            guard runs < maxRuns else { return false }
            runs += 1
            let sc = fixed(scenario, s)
            guard let (r, _) = try? Runner.runOne(sc, seed: seed, options: options, swarm: swarm, schedule: s) else {
                return false
            }
            if r.violations.contains(where: { $0.identity == target }) {
                bestViolations = r.violations.filter { $0.identity == target }
                bestScenario = sc
                return true
            }
            return false
        }

        // 1. Faults: try dropping halves, then one at a time.
        var chunk = max(1, best.faults.count / 2)
        while chunk >= 1 && !best.faults.isEmpty {
            var i = 0
            var progressed = false
            while i < best.faults.count {
                var c = best
                c.faults.removeSubrange(i..<min(best.faults.count, i + chunk))
                if stillFails(c) {
                    best = c
                    progressed = true
                } else {
                    i += chunk
                }
            }
            if !progressed { chunk /= 2 }
        }
        // 2. Steps, last first (later steps depend on earlier ones more often than not).
        var i = best.steps.count - 1
        while i >= 0 {
            var c = best
            c.steps.remove(at: i)
            if stillFails(c) { best = c }
            i -= 1
        }
        // 3. Round times to whole seconds, then try pulling each step earlier to the previous one.
        var rounded = best
        let second = Time.second.nanoseconds
        func down(_ t: SimTime) -> SimTime { SimTime(nanoseconds: t.nanoseconds / second * second) }
        func up(_ t: SimTime) -> SimTime { SimTime(nanoseconds: (t.nanoseconds + second - 1) / second * second) }
        for k in rounded.steps.indices { rounded.steps[k].time = down(rounded.steps[k].time) }
        for k in rounded.faults.indices {
            let f = rounded.faults[k]
            let start = down(f.start)
            let end = f.end.map(up)
            // Rounding keeps a length the scenario gave as a range inside it.
            if let allowed = f.allowedDurations, let e = end, !allowed.contains(e - start) { continue }
            rounded.faults[k].start = start
            rounded.faults[k].end = end
        }
        if rounded != best, stillFails(rounded) { best = rounded }

        if bestScenario.steps.count != best.steps.count { bestScenario = fixed(scenario, best) }
        // A reproducer of an invariant failure carries no expectations: they are about the
        // original scenario's steps, not about the failure being reproduced.
        let invariant = targetViolation.invariant
        if invariant != .expectations { bestScenario.expectations = [] }
        bestScenario.config = withOverrides(bestScenario.config, options.overrides)
        bestScenario.description =
            "Reproducer shrunk from \(scenario.file) seed \(seed) (\(invariant): \(target)); replay with: graspsim replay <this file> --seed \(seed)"
        bestScenario.name = scenario.name + "-seed\(seed)-min"
        return Outcome(
            scenario: bestScenario, schedule: best, violations: bestViolations, invariant: invariant, identity: target,
            runs: runs,
            before: (original.steps.count, original.faults.count),
            yaml: ScenarioWriter.yaml(bestScenario, schedule: best))
    }

    /// The scenario's own configuration with the command line's overrides applied on top
    /// (a key set on both keeps its place and takes the override's value).
    static func withOverrides(_ config: [ConfigOverride], _ overrides: [(String, String)]) -> [ConfigOverride] {
        var out = config
        for (k, v) in overrides {
            let o = ConfigOverride(key: k, value: v, location: .unknown)
            if let i = out.firstIndex(where: { $0.key == k }) { out[i] = o } else { out.append(o) }
        }
        return out
    }

    /// The scenario with exactly `schedule`'s steps and faults at fixed times.
    static func fixed(_ scenario: Scenario, _ schedule: Schedule) -> Scenario {
        var s = scenario
        s.steps = schedule.steps.map {
            var st = $0.step
            st.timing = .at($0.time.sinceStart)
            return st
        }
        s.faults = schedule.faults.map { f in
            FaultSpec(
                kind: f.kind, timing: .at(f.start.sinceStart), duration: f.end.map { $0 - f.start },
                location: f.location)
        }
        s.randomFaults = nil
        let kept = Set(s.steps.map(\.id))
        s.expectations = s.expectations.filter { ex in
            switch ex.kind {
            case .served(let st, _), .notServed(let st), .accepted(let st), .rejected(let st, _),
                .expired(let st, _, _):
                return kept.contains(st)
            default: return true
            }
        }
        return s
    }
}
