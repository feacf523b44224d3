import SimKernel
import Testing

@testable import Coordination

/// `SmallMap` answers like `Dictionary` under any sequence of writes, removals and reads.
@Suite struct SmallMapTests {
    @Test func answersLikeADictionary() {
        var rng = SplitMix64(seed: 0x5A11_3A90)  // fixed: a failure replays
        for round in 0..<200 {
            var small = SmallMap<UInt64, Int>()
            var dict: [UInt64: Int] = [:]
            for step in 0..<300 {
                let key = UInt64.random(in: 0..<UInt64(4 + round % 20), using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0, 1:
                    small[key] = step
                    dict[key] = step
                case 2:
                    #expect(small.removeValue(forKey: key) == dict.removeValue(forKey: key))
                default:
                    small[key] = nil
                    dict[key] = nil
                }
                #expect(small[key] == dict[key])
                #expect(small.count == dict.count)
                #expect(small.isEmpty == dict.isEmpty)
            }
            #expect(small.values.sorted() == dict.values.sorted())
            for k in dict.keys { #expect(small[k] == dict[k]) }
        }
    }
}
