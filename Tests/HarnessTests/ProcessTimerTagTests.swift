import RelayProcess
import Testing

@testable import Harness

/// Every process timer packs into a kernel tag and back unchanged, its number included
/// (the sync queue tells its armed timer from a superseded one by the number).
@Suite struct ProcessTimerTagTests {
    @Test func everyTimerRoundTrips() {
        let timers: [ProcessTimer] = [
            .sweep, .cycle, .syncTick(timer: 0), .syncTick(timer: 1), .syncTick(timer: (1 << 40) - 1), .lock(7),
            .cycleStep(generation: 3), .lockRetry(op: 9), .fetchTimeout(request: 11), .reconcileTimeout(run: 13),
        ]
        for timer in timers { #expect(ProcessTimer(tag: timer.tag) == timer, "\(timer)") }
        #expect(Set(timers.map(\.tag)).count == timers.count)
    }
}
