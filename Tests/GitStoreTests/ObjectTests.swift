import Foundation
import Testing

@testable import GitStore

@Suite struct ObjectIDTests {
    @Test func parsesAndLowercases() throws {
        let id = try #require(ObjectID(hex: "CE013625030BA8DBA906F756967F9E9CA394464A"))
        #expect(id.hex == "ce013625030ba8dba906f756967f9e9ca394464a")
        #expect(id.description == id.hex)
        #expect(!id.isZero)
        #expect(ObjectID.zero.isZero)
        #expect(ObjectID.zero.hex == String(repeating: "0", count: 40))
    }

    @Test func rejectsBadHex() {
        #expect(ObjectID(hex: "") == nil)
        #expect(ObjectID(hex: String(repeating: "a", count: 39)) == nil)
        #expect(ObjectID(hex: String(repeating: "a", count: 41)) == nil)
        #expect(ObjectID(hex: String(repeating: "g", count: 40)) == nil)
        #expect(ObjectID(hex: String(repeating: "é", count: 40)) == nil)
    }

    @Test func rawBytesRoundTrip() throws {
        let id = try #require(ObjectID(hex: "00ff10203040506070809000a0b0c0d0e0f0abcd"))
        #expect(id.bytes.count == 20)
        #expect(id.bytes[1] == 0xff)
        #expect(ObjectID(oid: id.oid) == id)
    }

    @Test func ordering() throws {
        let a = try #require(ObjectID(hex: String(repeating: "1", count: 40)))
        let b = try #require(ObjectID(hex: String(repeating: "a", count: 40)))
        #expect(a < b)
        #expect([b, a, ObjectID.zero].sorted() == [ObjectID.zero, a, b])
    }
}

@Suite struct ObjectStoreTests {
    @Test func knownHashesMatchGit() throws {
        let repo = try GitRepository.inMemory()
        // `printf 'hello\n' | git hash-object --stdin` and the well-known empty tree.
        #expect(try repo.writeBlob("hello\n").hex == "ce013625030ba8dba906f756967f9e9ca394464a")
        #expect(try repo.writeTree([]).hex == "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
        #expect(try repo.writeBlob("").hex == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
    }

    @Test func writeReadRoundTrip() throws {
        let repo = try GitRepository.inMemory()
        #expect(repo.isInMemory)
        let id = try repo.write(.blob, Array("payload".utf8))
        #expect(repo.contains(id))
        let obj = try repo.read(id)
        #expect(obj.type == .blob)
        #expect(obj.data == Array("payload".utf8))
        #expect(try repo.objectType(id) == .blob)
        #expect(try repo.allObjectIDs() == [id])
    }

    @Test func readingMissingObjectThrowsNotFound() throws {
        let repo = try GitRepository.inMemory()
        let other = try GitRepository.inMemory()
        let id = try other.writeBlob("only elsewhere")
        #expect(!repo.contains(id))
        #expect(throws: GitStoreError.objectNotFound(id)) { try repo.read(id) }
        #expect(throws: GitStoreError.objectNotFound(id)) { try repo.parents(of: id) }
    }

    @Test func sameInputsSameIDsAcrossRepos() throws {
        let a = try GitRepository.inMemory()
        let b = try GitRepository.inMemory()
        let ha = try linearHistory(a, count: 5)
        let hb = try linearHistory(b, count: 5)
        #expect(ha == hb)
        #expect(try a.allObjectIDs() == b.allObjectIDs())
        // 5 commits + 5 README blobs + 1 shared blob + 5 root trees + 1 src tree
        #expect(try a.allObjectIDs().count == 17)
    }

    @Test func treeEntriesAreSortedGitStyle() throws {
        let repo = try GitRepository.inMemory()
        let blob = try repo.writeBlob("x\n")
        let sub = try repo.writeTree([TreeEntry(name: "inner", id: blob, mode: .file)])
        let entries = [
            TreeEntry(name: "a0", id: blob, mode: .file),
            TreeEntry(name: "a", id: sub, mode: .directory),
            TreeEntry(name: "a.txt", id: blob, mode: .executable),
            TreeEntry(name: "a-b", id: blob, mode: .file),
        ]
        let t1 = try repo.writeTree(entries)
        let t2 = try repo.writeTree(entries.reversed())
        #expect(t1 == t2)
        let data = try repo.read(t1).data
        // Names in stored order: split on the mode prefixes.
        let text = String(decoding: data.map { $0 < 0x20 || $0 > 0x7e ? UInt8(ascii: "|") : $0 }, as: UTF8.self)
        let order = ["100644 a-b", "100755 a.txt", "40000 a", "100644 a0"].map { text.range(of: $0)!.lowerBound }
        #expect(order == order.sorted())
    }

    @Test func invalidTreeEntriesRejected() throws {
        let repo = try GitRepository.inMemory()
        let blob = try repo.writeBlob("x")
        for bad in ["", ".", "..", ".git", ".GIT", "a/b"] {
            #expect(throws: GitStoreError.self) { try repo.writeTree([TreeEntry(name: bad, id: blob, mode: .file)]) }
        }
        #expect(throws: GitStoreError.self) {
            try repo.writeTree([
                TreeEntry(name: "x", id: blob, mode: .file), TreeEntry(name: "x", id: blob, mode: .file),
            ])
        }
        #expect(throws: GitStoreError.self) {
            try repo.commit(files: ["a": "1", "a/b": "2"], parents: [], message: "m", time: 1)
        }
        #expect(throws: GitStoreError.self) {
            try repo.commit(files: ["a//b": "1"], parents: [], message: "m", time: 1)
        }
    }

    @Test func commitFormatAndSignatureValidation() throws {
        let repo = try GitRepository.inMemory()
        let tree = try repo.writeTree([])
        let sig = Signature(name: "Ann", email: "ann@example.invalid", time: 1_234_567_890, offsetMinutes: -330)
        let c = try repo.writeCommit(tree: tree, parents: [], message: "msg\n", author: sig, committer: sig)
        let text = String(decoding: try repo.read(c).data, as: UTF8.self)
        #expect(
            text == """
                tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904
                author Ann <ann@example.invalid> 1234567890 -0530
                committer Ann <ann@example.invalid> 1234567890 -0530

                msg

                """)
        let bad = Signature(name: "Evil <x>", email: "e@x", time: 0)
        #expect(throws: GitStoreError.self) {
            try repo.writeCommit(tree: tree, parents: [], message: "m", author: bad, committer: sig)
        }
        #expect(try repo.parents(of: c) == [])
        #expect(try repo.tree(of: c) == tree)
        #expect(throws: GitStoreError.wrongObjectType(tree, expected: .commit)) { try repo.parents(of: tree) }
    }

    @Test func benchmarkCountsObjects() throws {
        #expect(try GitBench.commits(count: 50) == 152)
        #expect(try GitBench.commits(count: 0) == 0)
    }
}

@Suite struct HistoryTests {
    @Test func branchesMergeBaseAndAncestry() throws {
        let repo = try GitRepository.inMemory()
        let base = try linearHistory(repo, count: 2, tag: "base")
        let main = try linearHistory(repo, count: 3, start: 1_700_001_000, parent: base.last, tag: "main")
        let feature = try linearHistory(repo, count: 2, start: 1_700_002_000, parent: base.last, tag: "feature")
        let merge = try repo.commit(
            files: ["README.md": "merged\n"], parents: [main.last!, feature.last!],
            message: "merge", time: 1_700_003_000)
        #expect(try repo.parents(of: merge) == [main.last!, feature.last!])
        #expect(try repo.mergeBase(main.last!, feature.last!) == base.last!)
        #expect(try repo.mergeBase(merge, feature.last!) == feature.last!)
        #expect(try repo.isAncestor(base.first!, of: merge))
        #expect(try repo.isAncestor(feature.first!, of: merge))
        #expect(try repo.isAncestor(main.last!, of: main.last!))
        #expect(try !repo.isAncestor(feature.last!, of: main.last!))
        #expect(try !repo.isAncestor(merge, of: base.last!))

        // Disjoint histories have no merge base.
        let orphan = try repo.commit(files: ["x": "y"], parents: [], message: "orphan", time: 5)
        #expect(try repo.mergeBase(orphan, main.last!) == nil)
        #expect(try !repo.isAncestor(orphan, of: merge))
    }

    @Test func annotatedTagPeelsAndTravels() throws {
        let a = try GitRepository.inMemory()
        let commits = try linearHistory(a, count: 3)
        let tagger = Signature(name: "Tagger", email: "t@example.invalid", time: 1_700_000_100)
        let tag = try a.writeAnnotatedTag(
            target: commits[2], targetType: .commit, name: "v1.0",
            message: "release\n", tagger: tagger)
        #expect(try a.objectType(tag) == .tag)
        #expect(try a.peel(tag) == commits[2])
        #expect(try a.peel(commits[2]) == commits[2])
        #expect(throws: GitStoreError.self) {
            try a.writeAnnotatedTag(
                target: commits[2], targetType: .commit, name: "bad..name",
                message: "", tagger: tagger)
        }

        let b = try GitRepository.inMemory()
        #expect(b.missingObjects(reachableFrom: [tag]) == [tag])
        let pack = try a.pack(tips: [tag], haves: [])
        #expect(pack.objects.map(\.id) == (try a.allObjectIDs()))
        #expect(try b.receive(pack) == pack.objects.count)
        #expect(b.isComplete([tag]))
        #expect(try b.peel(tag) == commits[2])
    }
}

@Suite struct TransferTests {
    @Test func fullThenIncrementalPush() throws {
        let a = try GitRepository.inMemory()
        let b = try GitRepository.inMemory()
        let first = try linearHistory(a, count: 3)
        let tip = first.last!

        let p1 = try a.pack(tips: [tip], haves: [])
        #expect(p1.objects.map(\.id) == (try a.allObjectIDs()))
        #expect(p1.objects.map(\.id) == p1.objects.map(\.id).sorted())
        #expect(p1.byteCount == p1.objects.reduce(0) { $0 + $1.data.count })
        #expect(p1.byteCount > 0)
        #expect(!b.isComplete([tip]))
        #expect(try b.receive(p1) == p1.objects.count)
        #expect(b.isComplete([tip]))
        #expect(try b.receive(p1) == 0)

        // One more commit changes README.md only: commit + root tree + README blob.
        let next = try a.commit(
            files: ["README.md": "new text\n", "src/lib.txt": "shared\n"],
            parents: [tip], message: "next", time: 1_700_000_500)
        let p2 = try a.pack(tips: [next], haves: [tip])
        let rootTree = try a.tree(of: next)
        let readme = try a.writeBlob("new text\n")
        #expect(Set(p2.objects.map(\.id)) == [next, rootTree, readme])
        #expect(p2.byteCount == p2.objects.reduce(0) { $0 + $1.data.count })
        #expect(b.missingObjects(reachableFrom: [next]) == [next])
        #expect(try b.receive(p2) == 3)
        #expect(b.isComplete([next]))
        #expect(try b.allObjectIDs() == a.allObjectIDs())

        // Up to date: nothing to send. Unknown haves are ignored.
        #expect(try a.pack(tips: [next], haves: [next]).objects.isEmpty)
        let unknown = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        #expect(try a.pack(tips: [next], haves: [unknown, tip]).objects.count == 3)
    }

    @Test func packExcludesObjectsSharedWithHaves() throws {
        let a = try GitRepository.inMemory()
        let base = try linearHistory(a, count: 2, tag: "base")
        let left = try a.commit(
            files: ["README.md": "L\n", "src/lib.txt": "shared\n"], parents: [base[1]],
            message: "left", time: 10)
        // `right` reuses the tree of `left` on another branch: the tree must not travel again.
        let right = try a.writeCommit(
            tree: a.tree(of: left), parents: [base[1]], message: "right\n",
            author: Signature(name: "R", email: "r@x.invalid", time: 11),
            committer: Signature(name: "R", email: "r@x.invalid", time: 11))
        let p = try a.pack(tips: [right], haves: [left])
        #expect(p.objects.map(\.id) == [right])
    }

    @Test func packThrowsWhenTipAbsent() throws {
        let a = try GitRepository.inMemory()
        let b = try GitRepository.inMemory()
        let c = try linearHistory(b, count: 1)[0]
        #expect(throws: GitStoreError.objectNotFound(c)) { try a.pack(tips: [c], haves: []) }
    }

    @Test func missingObjectsOnPartialRepos() throws {
        let a = try GitRepository.inMemory()
        let commits = try linearHistory(a, count: 3)
        let tip = commits[2]
        let b = try GitRepository.inMemory()

        // Tip absent: only the tip is known to be missing.
        #expect(b.missingObjects(reachableFrom: [tip]) == [tip])

        // Only the tip commit object: its tree and its parent are missing (not the parent's ancestry).
        try b.receive(Pack(objects: [try a.read(tip)]))
        #expect(b.missingObjects(reachableFrom: [tip]) == [commits[1], try a.tree(of: tip)].sorted())

        // Everything except one blob of the tip's tree.
        let readme = try a.writeBlob("revision 2\n")
        let everything = try a.pack(tips: [tip], haves: [])
        let c = try GitRepository.inMemory()
        try c.receive(Pack(objects: everything.objects.filter { $0.id != readme }))
        #expect(c.missingObjects(reachableFrom: [tip]) == [readme])
        #expect(!c.isComplete([tip]))
        #expect(c.isComplete([commits[1]]))
        #expect(c.missingObjects(reachableFrom: []) == [])
    }

    @Test func corruptObjectRejected() throws {
        let a = try GitRepository.inMemory()
        let blob = try a.writeBlob("genuine\n")
        let b = try GitRepository.inMemory()
        let good = try a.read(try a.writeBlob("fine\n"))
        let forged = RawObject(id: blob, type: .blob, data: Array("forged\n".utf8))
        #expect(throws: GitStoreError.self) { try b.receive(Pack(objects: [good, forged])) }
        #expect(!b.contains(blob))
        #expect(!b.contains(good.id), "nothing is written when any object is corrupt")
        // Right bytes, wrong type: also a different hash.
        let retyped = RawObject(id: blob, type: .tree, data: Array("genuine\n".utf8))
        #expect(throws: GitStoreError.self) { try b.receive(Pack(objects: [retyped])) }
    }
}

@Suite struct RefTests {
    @Test func inMemoryRefsAndHead() throws {
        let repo = try GitRepository.inMemory()
        let c = try linearHistory(repo, count: 2)
        #expect(repo.head == "refs/heads/main")
        #expect(repo.refs.isEmpty)
        try repo.setRef("refs/heads/main", c[1])
        try repo.setRef("refs/heads/dev", c[0])
        let nostr = "refs/nostr/" + String(repeating: "e", count: 64)
        try repo.setRef(nostr, c[0])
        #expect(repo.refs.map(\.name) == ["refs/heads/dev", "refs/heads/main", nostr])
        #expect(repo.ref("refs/heads/main") == c[1])
        #expect(repo.ref("HEAD") == c[1])
        try repo.setHead("refs/heads/dev")
        #expect(repo.head == "refs/heads/dev")
        #expect(repo.ref("HEAD") == c[0])
        try repo.deleteRef("refs/heads/dev")
        try repo.deleteRef("refs/heads/never-existed")
        #expect(repo.ref("refs/heads/dev") == nil)
        #expect(repo.refs.count == 2)
        // Directory/file conflicts as on disk.
        #expect(throws: GitStoreError.invalidRefName("refs/heads/main/x")) {
            try repo.setRef("refs/heads/main/x", c[0])
        }
        #expect(throws: GitStoreError.self) { try repo.setRef("refs/heads/z", .zero) }
    }

    @Test(arguments: [
        "main", "HEAD", "refs/heads/a..b", "refs/heads/x.lock", "refs/heads/sp ace",
        "refs/heads/end/", "refs/heads/ctl\u{7}", "refs/heads/star*", "refs/heads/@{x}",
        "refs/heads/colon:x", "/refs/heads/x", "",
    ])
    func invalidRefNamesRejected(_ name: String) throws {
        let repo = try GitRepository.inMemory()
        let c = try linearHistory(repo, count: 1)[0]
        #expect(throws: GitStoreError.invalidRefName(name)) { try repo.setRef(name, c) }
        #expect(repo.refs.isEmpty)
        if !name.isEmpty && name != "HEAD" {
            #expect(throws: GitStoreError.invalidRefName(name)) { try repo.setHead(name) }
        }
    }

    @Test func invalidRefNamesRejectedOnDisk() throws {
        let dir = try makeTempDir("badref")
        defer { try? FileManager.default.removeItem(at: dir) }
        let repo = try GitRepository.openOrCreateBare(path: dir.path)
        let c = try linearHistory(repo, count: 1)[0]
        #expect(throws: GitStoreError.invalidRefName("refs/heads/a..b")) { try repo.setRef("refs/heads/a..b", c) }
        #expect(throws: GitStoreError.invalidRefName("main")) { try repo.setRef("main", c) }
        #expect(repo.refs.isEmpty)
    }
}
