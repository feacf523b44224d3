import Foundation
import GitStore
import Nostr
import Testing

@testable import Relay

@Suite struct DiskStorageTests {
    let alice = KeyPair.deterministic(name: "alice", salt: 3)

    @Test func repositoriesLiveOnDiskAndComeBack() throws {
        let root = NSTemporaryDirectory() + "graspsim-storage-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let key = RepoKey(owner: alice.publicKey, d: "my repo")
        let storage = try RepositoryStorage(root: root)
        try storage.create(key, writer: "t", token: nil)
        let dir = try #require(storage.directory(key))
        #expect(dir == root + "/\(alice.npub)/my%20repo.git")
        #expect(FileManager.default.fileExists(atPath: dir + "/HEAD"))
        let again = try RepositoryStorage(root: root)
        #expect(again.keys == [key])
        try again.delete(key, writer: "t", token: nil)
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    /// Paths that would leave the repository folder name no repository.
    @Test(arguments: ["..", "%2e%2e", "%2E%2E", "a%2Fb", "..%2F..%2Fetc", "%2F", ".", "a%00b"])
    func traversalNamesNoRepository(_ segment: String) {
        #expect(parseRepoPath("/\(alice.npub)/\(segment).git/info/refs") == nil)
    }

    /// The memo answers what parsing answers, the second time too, for names and non-names.
    @Test func rememberedPathsParseAsBefore() {
        let paths = [
            repoPath(RepoKey(owner: alice.publicKey, d: "r")) + "/info/refs", "/\(alice.npub)/x.git",
            "/\(alice.npub)/%2e%2e.git", "/npub1bad/x.git", "/", "", "/\(alice.npub)/a.git/b.git",
            "/\(alice.npub)/caf\u{E9}.git", "/\(alice.npub)/cafe\u{301}.git",
        ]
        for p in paths {
            let fresh = parseRepoPathUncached(p)
            #expect(parseRepoPath(p) == fresh, "\(p)")
            #expect(parseRepoPath(p) == fresh, "\(p) again")
        }
    }

    @Test func percentEncodedIdentifierRoundTrips() {
        let key = RepoKey(owner: alice.publicKey, d: "a b%c")
        #expect(parseRepoPath(repoPath(key)) == key)
    }
}
