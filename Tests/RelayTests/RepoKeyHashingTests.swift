import Testing

@testable import Relay

/// `RepoKey` hashes and compares both fields: keys that share an
/// identifier (maintainers' copies) stay distinct, and equal keys land together.
@Suite struct RepoKeyHashingTests {
    @Test func keysSharingAnIdentifierStayDistinct() {
        let owners = (0..<40).map { String(repeating: String($0 % 10), count: 63) + String($0 / 10) }
        var keys: Set<RepoKey> = []
        var byKey: [RepoKey: Int] = [:]
        for (i, o) in owners.enumerated() {
            for d in ["shared", "other-\(i % 3)"] {
                keys.insert(RepoKey(owner: o, d: d))
                byKey[RepoKey(owner: o, d: d), default: 0] += 1
            }
        }
        #expect(keys.count == 80)
        #expect(byKey.count == 80 && byKey.values.allSatisfy { $0 == 1 })
        #expect(RepoKey(owner: owners[0], d: "shared") != RepoKey(owner: owners[1], d: "shared"))
        #expect(RepoKey(owner: owners[0], d: "shared") != RepoKey(owner: owners[0], d: "other-0"))
        #expect(RepoKey(owner: owners[0], d: "shared") == RepoKey(owner: String(owners[0]), d: "shared"))
        #expect(keys.contains(RepoKey(owner: owners[39], d: "other-0")))
        #expect(!keys.contains(RepoKey(owner: owners[39], d: "other-1")))
    }
}
