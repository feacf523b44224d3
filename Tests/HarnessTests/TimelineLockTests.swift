import Foundation
import Scenario
import SimKernel
import Testing

@testable import Harness

/// The timeline shows what the lock service and the storage did — leases lapsing while
/// held, writes a failover lost, writes refused by fencing — and offers zoomed views
/// around the moments a long axis hides.
@Suite struct TimelineLockTests {
    @Test func fencingRefusalsAndLapsedLeasesAreDrawn() throws {
        let s = try ScenarioLoader.load(path: RangeTests.root + "/Scenarios/locks/gc-pause.yaml")
        var found = false
        for seed in UInt64(0)..<20 where !found {
            let (_, w) = try Runner.runOne(s, seed: seed)
            defer { w.recycle() }
            guard let refusal = w.storage.refusals.first else { continue }
            found = true
            let svg = Timeline.svg(w, violations: [], window: nil)
            #expect(svg.contains("fencing refused \(refusal.writer)'s"))
            #expect(svg.contains("lapsed while held"))
            let zooms = Timeline.zoomWindows(w, violations: [])
            let zoom = try #require(zooms.first { $0.0.contains("fencing refusal") })
            #expect(zoom.1.to - zoom.1.from == Time.s(10))
            #expect(Timeline.svg(w, violations: [], window: zoom.1).contains("fencing refused"))
        }
        #expect(found, "no gc-pause seed of 20 had a fencing refusal")
    }

    @Test func failoverLostWritesAreDrawn() throws {
        let s = try ScenarioLoader.load(path: RangeTests.root + "/Scenarios/locks/04-lock-failover.yaml")
        let (_, w) = try Runner.runOne(s, seed: 1)
        defer { w.recycle() }
        let zooms = Timeline.zoomWindows(w, violations: [])
        #expect(zooms.contains { $0.0.contains("lock-service failover") })
        if w.lockService?.history.contains(where: { $0.kind == .failoverReverted && $0.key.hasPrefix("lock:") }) == true
        {
            #expect(Timeline.svg(w, violations: [], window: nil).contains("failover lost writes"))
        }
        #expect(Timeline.legend.contains("write refused by fencing"))
    }
}
