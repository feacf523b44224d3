import SimKernel
import Testing

@testable import Checks

/// Every invariant a family can report is judged by exactly one family, and every
/// selectable invariant is judged by a family or by the harness itself (quiescence and
/// expectations): a name no one judges would be a check silently dropped.
@Suite struct InvariantFamilyTests {
    @Test func familiesPartitionTheInvariants() {
        var owner: [InvariantName: String] = [:]
        for family in CheckSuite.families() {
            let name = String(describing: type(of: family))
            for invariant in type(of: family).invariants {
                #expect(
                    owner[invariant] == nil, "\(invariant.rawValue) is judged by \(owner[invariant] ?? "") and \(name)")
                owner[invariant] = name
            }
        }
        let judgedByHarness: Set<InvariantName> = [.quiescence, .expectations]
        for invariant in InvariantName.selectable where !judgedByHarness.contains(invariant) {
            #expect(owner[invariant] != nil, "no family judges \(invariant.rawValue)")
        }
        #expect(owner.keys.allSatisfy { InvariantName.selectable.contains($0) })
    }

    /// A suite that selects one invariant runs only the family that judges it.
    @Test func selectionPicksTheFamily() {
        for family in CheckSuite.families() {
            for invariant in type(of: family).invariants {
                let chosen = CheckSuite(selected: [invariant]).familyNames
                #expect(chosen == [String(describing: type(of: family))], "\(invariant.rawValue)")
            }
        }
    }
}
