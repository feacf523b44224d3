import GitStore
import Testing

@testable import Relay

/// The storage's refs epoch is what lets the relay model skip a step's ref snapshot: it
/// must move on every change of which repositories exist and of any of their refs, and
/// only then.
@Suite struct RefsEpochTests {
    let key = RepoKey(owner: String(repeating: "a", count: 64), d: "r")

    @Test func movesOnEveryChangeAndOnlyThen() throws {
        let storage = RepositoryStorage()
        let empty = storage.refsEpoch
        #expect(empty != nil)
        #expect(storage.refsEpoch == empty)
        try storage.create(key, writer: "a", token: nil)
        let created = storage.refsEpoch
        #expect(created != empty)
        let repo = try #require(storage.repository(key))
        let commit = try repo.commit(files: ["f": "x"], parents: [], message: "m", time: 0)
        #expect(storage.refsEpoch == created, "objects are not refs")
        // A ref written straight on the repository (not through `storage.write`) counts too.
        try repo.setRef("refs/heads/main", commit)
        let moved = storage.refsEpoch
        #expect(moved != created)
        try repo.deleteRef("refs/heads/main")
        #expect(storage.refsEpoch != moved)
        let beforeDelete = storage.refsEpoch
        try storage.delete(key, writer: "a", token: nil)
        #expect(storage.refsEpoch != beforeDelete)
    }

    @Test func anotherStoragesRepositoriesDoNotMoveIt() throws {
        let one = RepositoryStorage()
        let other = RepositoryStorage()
        try other.create(key, writer: "a", token: nil)
        let before = one.refsEpoch
        let repo = try #require(other.repository(key))
        try repo.setRef("refs/heads/main", repo.commit(files: ["f": "x"], parents: [], message: "m", time: 0))
        #expect(one.refsEpoch == before)
        #expect(one.refsEpoch != other.refsEpoch)
    }
}
