import Checks
import Foundation
import Harness
import Relay
import Scenario
import SimKernel
import Testing

/// The relay model notices refs that change with no accepted push or served state behind
/// them. It skips repositories whose refs version did not move, so this also fails if the
/// version missed a change.
@Suite struct RelayModelRefChangeTests {
    @Test func aRogueRefWriteIsCaught() throws {
        let s = try ScenarioLoader.load(path: RangeTests.root + "/Scenarios/arrival/01-announce-state-push.yaml")
        var options = RunOptions()
        options.beforeRun = { w in
            w.sim.schedule(at: SimTime.minutes(5), "rogue ref write") { _ in
                for k in w.storage.keys {
                    guard let r = w.storage.repository(k), let main = r.ref("refs/heads/main") else { continue }
                    try? r.setRef("refs/heads/rogue", main)
                }
            }
        }
        let (r, w) = try Runner.runOne(s, seed: 1, options: options)
        w.recycle()
        #expect(
            r.violations.contains {
                $0.invariant == .relayModel && $0.message.contains("no accepted push proposed them")
            },
            "\(r.violations.map(\.description))")
    }

    /// The model keeps each repository's refs version by its place in the storage's list.
    /// A rogue write to the last of 36 repositories created during the run is caught, and
    /// so is one made together with the creation of another repository (the list moved
    /// since the last snapshot and every place shifted by one, so versions are found by key).
    @Test(arguments: [false, true])
    func aRogueWriteAmongManyRepositoriesIsCaught(alsoCreating: Bool) throws {
        let s = try ScenarioLoader.load(path: RangeTests.root + "/Scenarios/sync/08-burst-many-repos.yaml")
        var options = RunOptions()
        options.beforeRun = { w in
            w.sim.schedule(at: SimTime.minutes(30), "rogue ref write") { _ in
                let keys = w.storage.keys
                if alsoCreating, let first = keys.first {
                    let new = RepoKey(owner: first.owner, d: "000-new")
                    try? w.storage.create(new, writer: "test", token: nil)
                    // The new repository sorts first: every other one moved one place.
                    precondition(w.storage.keys.first == new && w.storage.keys.count == keys.count + 1)
                }
                guard let last = keys.last, let r = w.storage.repository(last), let main = r.ref("refs/heads/main")
                else { return }
                try? r.setRef("refs/heads/rogue", main)
            }
        }
        let (r, w) = try Runner.runOne(s, seed: 1, options: options)
        let last = w.storage.keys.last { $0.d != "000-new" }
        w.recycle()
        #expect(last?.d == "r35")
        #expect(
            r.violations.contains {
                $0.invariant == .relayModel && $0.message.contains("the refs of \(last!) changed")
                    && $0.message.contains("no accepted push proposed them")
            },
            "\(r.violations.map(\.description))")
    }
}
