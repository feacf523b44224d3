import Foundation
import SimKernel
import Testing

@testable import Scenario

let randomScenario = """
    name: random
    duration: 2h
    relays:
      - { name: relay, replicas: 3 }
      - mirror
    actors: [alice, bob]
    repos:
      - { name: web, owner: alice, commits: [{ name: c1 }] }
    steps:
      - { id: ann, at: 0s..1m, actor: alice, announce: web }
      - { id: st, after: ann, delay: 10s..30s, actor: alice, state: { repo: web, refs: { refs/heads/main: c1 } } }
      - { id: fixed, at: 5m, actor: bob, clone: web }
      - group: { within: 10m..20m }
        steps:
          - { id: g1, actor: alice, issue: web }
          - { id: g2, actor: bob, issue: web }
      - { id: late, after: g2, delay: 1s, actor: bob, clone: web }
      - { id: p1, after: st, actor: alice, push: { repo: web, refs: { refs/heads/main: c1 } } }
    faults:
      - { at: 1m..2m, for: 30s, pause: relay#0 }
      - { after: st, delay: 0s..5s, crash: mirror }
    random_faults: { kinds: [partition, pause, crash, clog, loss], per_hour: 30, window: 10m..1h30m, duration: 5s..2m }
    """

@Suite struct Materializing {
    func scenario() throws -> Scenario { try #require(parsed(randomScenario)) }

    @Test func sameSeedSameSchedule() throws {
        let s = try scenario()
        for seed: UInt64 in [0, 1, 42, 0xDEAD_BEEF] {
            #expect(s.materialize(seed: seed) == s.materialize(seed: seed))
            var a = Xoshiro256StarStar(seed: seed)
            var b = Xoshiro256StarStar(seed: seed)
            #expect(materialize(s, rng: &a) == s.materialize(rng: &b))
        }
    }

    @Test func differentSeedsDrawDifferentTimes() throws {
        let s = try scenario()
        var annTimes = Set<SimTime>()
        var faultCounts = Set<Int>()
        for seed: UInt64 in 1...20 {
            let sched = s.materialize(seed: seed)
            annTimes.insert(try #require(sched.steps.first { $0.step.id == "ann" }).time)
            faultCounts.insert(sched.faults.count)
            // The fixed step never moves.
            #expect(sched.steps.first { $0.step.id == "fixed" }?.time == SimTime.minutes(5))
        }
        #expect(annTimes.count >= 15)
        #expect(faultCounts.count >= 3)
    }

    @Test func afterFollowsItsStepWithinTheDelay() throws {
        let s = try scenario()
        for seed: UInt64 in 0..<300 {
            let sched = s.materialize(seed: seed)
            func t(_ id: String) -> SimTime { sched.steps.first { $0.step.id == id }!.time }
            #expect((0...SimTime.minutes(1)).contains(t("ann")))
            #expect((t("ann") + Time.s(10)...t("ann") + Time.s(30)).contains(t("st")))
            #expect(t("p1") == t("st"))
            #expect(t("late") == t("g2") + Time.s(1))
            let crash = try #require(sched.faults.first { $0.kind == .crash("mirror") })
            #expect((t("st")...t("st") + Time.s(5)).contains(crash.start))
            #expect(crash.end == nil)
        }
    }

    @Test func groupStepsFallInsideTheWindow() throws {
        let s = try scenario()
        var g1 = Set<SimTime>()
        for seed: UInt64 in 0..<300 {
            let sched = s.materialize(seed: seed)
            for id in ["g1", "g2"] {
                let t = try #require(sched.steps.first { $0.step.id == id }).time
                #expect((SimTime.minutes(10)...SimTime.minutes(20)).contains(t))
                if id == "g1" { g1.insert(t) }
            }
        }
        #expect(g1.count > 250)  // really spread over the window, not pinned to an end
    }

    @Test func stepsAreSortedByTimeThenFilePosition() throws {
        let s = try #require(
            parsed(
                """
                name: order
                actors: [a]
                repos: [{ name: r, owner: a }]
                steps:
                  - { id: x, at: 2m, actor: a, issue: r }
                  - { id: y, at: 1m, actor: a, issue: r }
                  - { id: z, at: 2m, actor: a, issue: r }
                  - { id: w, after: y, delay: 1m, actor: a, issue: r }
                """))
        var rng = CountingRNG(seed: 1)
        let sched = s.materialize(rng: &rng)
        #expect(sched.steps.map(\.step.id) == ["y", "x", "z", "w"])
        #expect(
            sched.steps.map(\.time) == [SimTime.minutes(1), SimTime.minutes(2), SimTime.minutes(2), SimTime.minutes(2)])
        #expect(rng.draws == 0)  // fixed times and fixed delays draw nothing
    }

    @Test func drawsFollowTheDocumentedOrder() throws {
        let s = try #require(
            parsed(
                """
                name: draws
                actors: [a]
                repos: [{ name: r, owner: a }]
                steps:
                  - { id: s1, at: 0s..10s, actor: a, issue: r }
                  - { id: s2, at: 5s, actor: a, issue: r }
                  - { id: s3, after: s1, delay: 1s..2s, actor: a, issue: r }
                faults:
                  - { at: 1m..2m, for: 1s, pause: relay }
                """))
        var rng = CountingRNG(seed: 9)
        let sched = s.materialize(rng: &rng)
        #expect(rng.draws == 3)
        // Replay the documented order by hand: s1, s3's delay, then the fault.
        var manual = Xoshiro256StarStar(seed: 9)
        let s1 = SimTime(sinceStart: manual.duration(in: 0...Time.s(10)))
        let delay = manual.duration(in: Time.s(1)...Time.s(2))
        let fault = SimTime(sinceStart: manual.duration(in: Time.min(1)...Time.min(2)))
        #expect(sched.steps.first { $0.step.id == "s1" }?.time == s1)
        #expect(sched.steps.first { $0.step.id == "s3" }?.time == s1 + delay)
        #expect(
            sched.faults == [
                ScheduledFault(
                    kind: .pause("relay"), start: fault, end: fault + Time.s(1),
                    location: s.faults[0].location)
            ])
    }

    @Test func randomFaultsStayInsideTheirBounds() throws {
        let s = try scenario()
        let nodes = Set(["relay#0", "relay#1", "relay#2", "mirror", "alice", "bob"])
        let relays = Set(["relay#0", "relay#1", "relay#2", "mirror"])
        var total = 0
        var kinds = Set<String>()
        for seed: UInt64 in 0..<200 {
            let random = s.materialize(seed: seed).faults.filter { $0.location == s.randomFaults!.location }
            total += random.count
            for f in random {
                #expect((SimTime.minutes(10)..<SimTime.minutes(90)).contains(f.start))
                let d = try #require(f.end) - f.start
                #expect((Time.s(5)...Time.min(2)).contains(d))
                kinds.insert(f.kind.described.keyword)
                switch f.kind {
                case .partition(let a, let b):
                    #expect(a.count == 1 && Set(a + b) == nodes && a.count + b.count == nodes.count)
                case .pause(let n), .crash(let n):
                    #expect(relays.contains(n))
                case .clog(let from, let to):
                    #expect(
                        (relays.contains(from) && !relays.contains(to))
                            || (relays.contains(to) && !relays.contains(from)))
                case .link(let from, let to, let link):
                    #expect(["alice", "bob"].contains(from) && relays.contains(to))
                    #expect(link.loss >= 0.05 && link.loss <= 0.5)
                    #expect(link.latencyMin == s.network.latencyMin)
                default:
                    Issue.record("unexpected random fault \(f.kind)")
                }
            }
        }
        #expect(kinds == ["partition", "pause", "crash", "clog", "link"])
        // 5 kinds × 30/h × 80 min = 200 expected per seed; the mean over 200 seeds is close.
        let mean = Double(total) / 200
        #expect(mean > 190 && mean < 210, "mean \(mean)")
    }

    @Test func faultsAreSortedByStart() throws {
        let s = try scenario()
        for seed: UInt64 in 0..<50 {
            let starts = s.materialize(seed: seed).faults.map(\.start)
            #expect(starts == starts.sorted())
        }
    }

    @Test func deterministicLogarithmIsAccurate() {
        var rng = Xoshiro256StarStar(seed: 3)
        for _ in 0..<10_000 {
            let x = 1 - rng.unit()
            let ours = DeterministicMath.ln(x)
            let libm = Foundation.log(x)
            #expect(abs(ours - libm) <= 4e-16 * max(1, abs(libm)), "ln(\(x)) = \(ours), libm \(libm)")
        }
        #expect(DeterministicMath.ln(1) == 0)
        #expect(DeterministicMath.ln(0) == -.infinity)
        #expect(abs(DeterministicMath.ln(1e-300) - Foundation.log(1e-300)) < 1e-12)
    }
}
