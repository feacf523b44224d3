import SimKernel

/// Resolves everything random about `scenario` for one seed (see `Materializer`).
public func materialize(_ scenario: Scenario, rng: inout some RandomNumberGenerator) -> Schedule {
    Materializer.schedule(scenario, rng: &rng)
}

extension Scenario {
    /// Resolves every timing and random fault with draws from `rng` (see `Materializer`).
    public func materialize(rng: inout some RandomNumberGenerator) -> Schedule {
        Materializer.schedule(self, rng: &rng)
    }

    /// The schedule for `seed`: draws come from the named stream `Materializer.streamName`
    /// of `RandomStreams(seed:)`, so they never shift the simulation's other streams.
    public func materialize(seed: UInt64) -> Schedule {
        var rng = RandomStreams(seed: seed).stream(Materializer.streamName)
        return Materializer.schedule(self, rng: &rng)
    }
}

/// Turns a scenario into one seed's concrete `Schedule`.
///
/// Draw order (fixed, so one seed always gives one schedule):
/// 1. steps in file order (groups flattened): one `int(in: lo...hi)` for each `between`
///    timing and for each `after` delay, and only when `hi > lo`; `at` draws nothing;
/// 2. faults in file order, the same rule for their timing, then one `int(in:)` for a
///    `for: lo..hi` length when `hi > lo`;
/// 3. random faults: for each kind in the order `kinds` lists it, repeatedly: one `unit()`
///    for the exponential gap to the next fault; if it still falls before the window's
///    end, the kind's node draws (below), then one `int(in:)` for the duration (when
///    max > min), then for `loss` one `unit()` for the loss rate.
///
/// Node draws: `partition` one index into all nodes (that node is cut off from all
/// others); `pause`/`crash` one index into the relay nodes; `clog` one relay index, one
/// actor index and one `chance(0.5)` for the direction; `loss` one actor index and one
/// relay index. Relay nodes are `relay` for a single replica and `relay#0`, `relay#1`, ...
/// otherwise; all nodes are the relay nodes followed by the actors, in file order.
/// A kind whose nodes do not exist (no actors for `clog`/`loss`, fewer than two nodes for
/// `partition`) draws only its gaps and produces no faults.
///
/// Times: `at t` → t; `between lo hi` → the drawn value; `after s` → the resolved time of
/// step `s` plus the drawn delay (a missing or cyclic reference, impossible in a validated
/// scenario, counts as time 0). A fault ends at start + `duration`, or never (nil).
/// Steps are sorted by (time, file position) and faults by (start, position), where random
/// faults come after the explicit ones.
public enum Materializer {
    public static let streamName = "scenario.schedule"
    /// Random faults per kind are capped here (a guard against absurd rates).
    public static let maxRandomFaultsPerKind = 100_000

    public static func schedule<R: RandomNumberGenerator>(_ s: Scenario, rng: inout R) -> Schedule {
        // 1. Step draws, file order.
        var offsets: [SimDuration] = []
        offsets.reserveCapacity(s.steps.count)
        for step in s.steps { offsets.append(draw(step.timing, &rng)) }
        let stepTimes = resolveStepTimes(s.steps, offsets)

        var stepIndex: [String: Int] = [:]
        for (i, step) in s.steps.enumerated() where stepIndex[step.id] == nil { stepIndex[step.id] = i }

        // 2. Faults, file order.
        var faults: [ScheduledFault] = []
        for fault in s.faults {
            let offset = draw(fault.timing, &rng)
            var start = SimTime(sinceStart: offset)
            if case .after(let target, _, _) = fault.timing {
                start = (stepIndex[target].map { stepTimes[$0] } ?? 0) + offset
            }
            // A `for` range draws its length after the timing (a fixed `for` draws nothing).
            var end: SimTime? = nil
            var allowed: ClosedRange<SimDuration>? = nil
            if let lo = fault.duration {
                let hi = max(lo, fault.durationMax ?? lo)
                end = start + uniform(lo, hi, &rng)
                if hi > lo { allowed = lo...hi }
            }
            faults.append(
                ScheduledFault(
                    kind: fault.kind, start: start, end: end, allowedDurations: allowed,
                    location: fault.location))
        }

        // 3. Random faults.
        if let spec = s.randomFaults { faults += randomFaults(spec, scenario: s, rng: &rng) }

        let steps = s.steps.indices
            .sorted { (stepTimes[$0], $0) < (stepTimes[$1], $1) }
            .map { ScheduledStep(step: s.steps[$0], time: stepTimes[$0]) }
        let orderedFaults = faults.indices
            .sorted { (faults[$0].start, $0) < (faults[$1].start, $1) }
            .map { faults[$0] }
        return Schedule(steps: steps, faults: orderedFaults)
    }

    /// The offset a timing contributes: its fixed time, its drawn time, or its drawn delay.
    static func draw<R: RandomNumberGenerator>(_ timing: Timing, _ rng: inout R) -> SimDuration {
        switch timing {
        case .at(let t): return t
        case .between(let lo, let hi), .after(_, let lo, let hi): return uniform(lo, hi, &rng)
        }
    }

    static func uniform<R: RandomNumberGenerator>(_ lo: SimDuration, _ hi: SimDuration, _ rng: inout R) -> SimDuration {
        hi > lo ? rng.duration(in: lo...hi) : lo
    }

    /// Absolute step times; `after` chains are followed without recursion.
    static func resolveStepTimes(_ steps: [StepSpec], _ offsets: [SimDuration]) -> [SimTime] {
        var index: [String: Int] = [:]
        for (i, step) in steps.enumerated() where index[step.id] == nil { index[step.id] = i }
        var time = [SimTime?](repeating: nil, count: steps.count)
        for start in steps.indices where time[start] == nil {
            var chain: [Int] = []
            var onChain = Set<Int>()
            var cur = start
            var base: SimTime = 0
            while true {
                if let t = time[cur] {
                    base = t
                    break
                }
                chain.append(cur)
                onChain.insert(cur)
                guard case .after(let target, _, _) = steps[cur].timing else { break }
                guard let next = index[target], !onChain.contains(next) else {
                    // Unknown or cyclic: the innermost step counts from time 0.
                    time[cur] = SimTime(sinceStart: offsets[cur])
                    chain.removeLast()
                    base = SimTime(sinceStart: offsets[cur])
                    break
                }
                cur = next
            }
            // Unwind: the last element is either a root (absolute) or follows `base`.
            for i in chain.reversed() {
                if case .after = steps[i].timing {
                    if time[i] == nil { time[i] = base + offsets[i] }
                } else {
                    time[i] = SimTime(sinceStart: offsets[i])
                }
                base = time[i]!
            }
        }
        return time.map { $0 ?? 0 }
    }

    /// Relay node names as faults use them: `relay`, or `relay#k` for each replica.
    public static func relayNodes(_ s: Scenario) -> [String] {
        s.relays.flatMap { r in r.replicas > 1 ? (0..<r.replicas).map { "\(r.name)#\($0)" } : [r.name] }
    }

    static func randomFaults<R: RandomNumberGenerator>(
        _ spec: RandomFaultSpec, scenario s: Scenario,
        rng: inout R
    ) -> [ScheduledFault] {
        guard spec.perHour > 0, spec.end > spec.start else { return [] }
        let nodes = RandomFaultNodes(
            relays: relayNodes(s), actors: s.actors.map(\.name), network: s.network,
            lockService: s.relays.contains { $0.replicas > 1 } ? ["locks"] : [])
        let meanGap = Double(Time.hour.nanoseconds) / spec.perHour
        return withUnsafeMutablePointer(to: &rng) { stream in
            var rng = FaultRandom { stream.pointee.next() }
            var out: [ScheduledFault] = []
            for name in spec.kinds {
                guard let draw = FaultKind.descriptions.first(where: { $0.random?.name == name })?.random else {
                    continue
                }
                var t = SimTime(sinceStart: spec.start)
                var made = 0
                while made < maxRandomFaultsPerKind {
                    let gap = -DeterministicMath.ln(1 - rng.unit()) * meanGap
                    guard gap < Double(spec.end.nanoseconds - t.nanoseconds) else { break }
                    t += Time.ns(Int64(gap))
                    made += 1
                    guard
                        let (kind, duration) = draw.draw(
                            nodes, &rng, { uniform(spec.minDuration, spec.maxDuration, &$0) })
                    else { continue }
                    out.append(ScheduledFault(kind: kind, start: t, end: t + duration, location: spec.location))
                }
            }
            return out
        }
    }
}
