import Foundation
import Nostr
import Testing

@testable import Relay

/// `RepositoryStorage.keys` is kept between calls: each creation and deletion must show in
/// the next answer, in order.
@Suite struct StorageKeysTests {
    @Test func keysFollowEveryCreationAndDeletion() throws {
        let storage = RepositoryStorage()
        let a = RepoKey(owner: String(repeating: "a", count: 64), d: "r")
        let b = RepoKey(owner: String(repeating: "b", count: 64), d: "r")
        let c = RepoKey(owner: String(repeating: "a", count: 64), d: "q")
        #expect(storage.keys.isEmpty)
        try storage.create(b, writer: "w", token: nil)
        #expect(storage.keys == [b])
        try storage.create(a, writer: "w", token: nil)
        try storage.create(c, writer: "w", token: nil)
        #expect(storage.keys == [c, a, b])
        try storage.create(a, writer: "w", token: nil)  // idempotent
        #expect(storage.keys == [c, a, b])
        try storage.delete(a, writer: "w", token: nil)
        #expect(storage.keys == [c, b])
        try storage.delete(c, writer: "w", token: nil)
        try storage.delete(b, writer: "w", token: nil)
        #expect(storage.keys.isEmpty)
    }

    @Test func keysOfRepositoriesFoundOnDisk() throws {
        let root = NSTemporaryDirectory() + "graspsim-storage-keys-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Real public keys: a folder is named by the owner's npub.
        let owners = ["one", "two"].map { KeyPair.deterministic(name: $0, salt: 0).publicKey }.sorted()
        let a = RepoKey(owner: owners[0], d: "r")
        let b = RepoKey(owner: owners[1], d: "q")
        let first = try RepositoryStorage(root: root)
        try first.create(b, writer: "w", token: nil)
        try first.create(a, writer: "w", token: nil)
        #expect(first.keys == [a, b])
        let reopened = try RepositoryStorage(root: root)
        #expect(reopened.keys == [a, b], "\(reopened.keys) \(reopened.count)")
        #expect(reopened.unrecognized.isEmpty)
    }

    /// What is not a served repository is left on disk and listed, never silently dropped.
    @Test func foldersThatAreNotRepositoriesAreListed() throws {
        let root = NSTemporaryDirectory() + "graspsim-storage-keys-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let owner = KeyPair.deterministic(name: "one", salt: 0).publicKey
        let key = RepoKey(owner: owner, d: "r")
        try RepositoryStorage(root: root).create(key, writer: "w", token: nil)
        let fm = FileManager.default
        let ownerDir = (root + repoPath(key) as NSString).deletingLastPathComponent
        try fm.createDirectory(atPath: root + "/not-an-npub/x.git", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: ownerDir + "/notes", withIntermediateDirectories: true)
        // Another spelling of identifier `q`: git is never pointed at it.
        try fm.createDirectory(atPath: ownerDir + "/%71.git", withIntermediateDirectories: true)
        fm.createFile(atPath: root + "/stray.txt", contents: Data("x".utf8))
        let reopened = try RepositoryStorage(root: root)
        #expect(reopened.keys == [key])
        #expect(
            reopened.unrecognized == [
                root + "/not-an-npub", ownerDir + "/%71.git", ownerDir + "/notes", root + "/stray.txt",
            ],
            "\(reopened.unrecognized)")
        #expect(fm.fileExists(atPath: root + "/not-an-npub/x.git"))
    }
}
