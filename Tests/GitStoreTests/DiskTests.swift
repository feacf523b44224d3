import Foundation
import Testing

@testable import GitStore

@Suite struct DiskTests {
    @Test func bareRepositoryRoundTrip() throws {
        let dir = try makeTempDir("bare")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("repo.git").path
        let tip: ObjectID
        let ids: [ObjectID]
        do {
            let repo = try GitRepository.openOrCreateBare(path: path)
            #expect(!repo.isInMemory)
            #expect(repo.head == "refs/heads/main")
            let commits = try linearHistory(repo, count: 4)
            tip = commits[3]
            try repo.setRef("refs/heads/main", tip)
            try repo.setRef("refs/heads/old", commits[0])
            try repo.setRef("refs/heads/gone", commits[1])
            try repo.deleteRef("refs/heads/gone")
            try repo.deleteRef("refs/heads/gone")
            try repo.setHead("refs/heads/old")
            ids = try repo.allObjectIDs()
            #expect(ids.count == 4 * 3 + 2)
            #expect(repo.isComplete([tip]))
        }
        let again = try GitRepository.openOrCreateBare(path: path)
        #expect(again.refs.map(\.name) == ["refs/heads/main", "refs/heads/old"])
        #expect(again.ref("refs/heads/main") == tip)
        #expect(again.ref("refs/heads/gone") == nil)
        #expect(again.head == "refs/heads/old")
        #expect(again.ref("HEAD") == again.ref("refs/heads/old"))
        #expect(try again.allObjectIDs() == ids)
        #expect(try again.parents(of: tip).count == 1)

        // The same history built in memory has the same ids, and transfers into the disk repo.
        let mem = try GitRepository.inMemory()
        let memCommits = try linearHistory(mem, count: 6)
        #expect(memCommits[3] == tip)
        let p = try mem.pack(tips: [memCommits[5]], haves: again.refs.map(\.id))
        #expect(try again.receive(p) == 6)
        #expect(again.isComplete([memCommits[5]]))
        #expect(try again.isAncestor(tip, of: memCommits[5]))
        #expect(try again.mergeBase(tip, memCommits[5]) == tip)
    }

    @Test func flushedRepositoryPassesGitFsck() throws {
        let dir = try makeTempDir("fsck")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("flushed.git").path

        let repo = try GitRepository.inMemory()
        let base = try linearHistory(repo, count: 3, tag: "base")
        let blob = try repo.writeBlob("#!/bin/sh\necho hi\n")
        let sub = try repo.writeTree([TreeEntry(name: "inner.txt", id: try repo.writeBlob("inner\n"), mode: .file)])
        let tree = try repo.writeTree([
            TreeEntry(name: "a0", id: blob, mode: .file),
            TreeEntry(name: "a", id: sub, mode: .directory),
            TreeEntry(name: "a.sh", id: blob, mode: .executable),
            TreeEntry(name: "a-b", id: blob, mode: .file),
        ])
        let author = Signature(
            name: "A U Thor", email: "author@example.invalid", time: 1_700_100_000, offsetMinutes: 90)
        let feature = try repo.writeCommit(
            tree: tree, parents: [base[2]], message: "feature\n\nbody\n",
            author: author, committer: author)
        let mainTip = try linearHistory(repo, count: 2, start: 1_700_200_000, parent: base[2], tag: "main").last!
        let merge = try repo.commit(
            files: ["merged.txt": "yes\n", "dir/sub/deep.txt": "deep\n"],
            parents: [mainTip, feature], message: "Merge feature", time: 1_700_300_000)
        let tag = try repo.writeAnnotatedTag(
            target: merge, targetType: .commit, name: "v1",
            message: "version 1\n", tagger: author)
        try repo.setRef("refs/heads/main", merge)
        try repo.setRef("refs/heads/feature", feature)
        try repo.setRef("refs/tags/v1", tag)
        try repo.setRef("refs/nostr/" + String(repeating: "ab", count: 32), feature)
        try repo.setHead("refs/heads/main")
        try repo.flush(toBareRepositoryAt: path)

        let fsck = try runGit(["--git-dir", path, "fsck", "--strict", "--no-dangling", "--no-progress"])
        #expect(fsck.status == 0, "\(fsck.stdout)\n\(fsck.stderr)")
        #expect(fsck.stdout.trimmed.isEmpty, "\(fsck.stdout)")
        #expect(fsck.stderr.trimmed.isEmpty, "\(fsck.stderr)")

        let count = try runGit(["--git-dir", path, "rev-list", "--count", merge.hex])
        // base 3 + main 2 + feature 1 + merge 1
        #expect(count.stdout.trimmed == "7")
        #expect(try runGit(["--git-dir", path, "rev-parse", "refs/heads/main"]).stdout.trimmed == merge.hex)
        #expect(try runGit(["--git-dir", path, "rev-parse", "v1^{}"]).stdout.trimmed == merge.hex)
        #expect(try runGit(["--git-dir", path, "cat-file", "-t", tag.hex]).stdout.trimmed == "tag")
        #expect(try runGit(["--git-dir", path, "symbolic-ref", "HEAD"]).stdout.trimmed == "refs/heads/main")
        let ls = try runGit(["--git-dir", path, "ls-tree", feature.hex])
        #expect(ls.stdout.contains("100755 blob \(blob.hex)\ta.sh"))
        #expect(ls.stdout.contains("040000 tree \(sub.hex)\ta"))
        let forEach = try runGit(["--git-dir", path, "for-each-ref", "--format=%(refname) %(objectname)"])
        let expected = repo.refs.map { "\($0.name) \($0.id.hex)" }
        #expect(forEach.stdout.trimmed.split(separator: "\n").map(String.init) == expected)
        let all = try runGit(["--git-dir", path, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)"])
        #expect(all.stdout.trimmed.split(separator: "\n").map(String.init) == (try repo.allObjectIDs()).map(\.hex))

        // A second flush mirrors ref deletions and a HEAD change.
        try repo.deleteRef("refs/heads/feature")
        try repo.setHead("refs/heads/other")
        try repo.flush(toBareRepositoryAt: path)
        #expect(try runGit(["--git-dir", path, "rev-parse", "--verify", "-q", "refs/heads/feature"]).status != 0)
        #expect(try runGit(["--git-dir", path, "symbolic-ref", "HEAD"]).stdout.trimmed == "refs/heads/other")
    }

    @Test func onDiskRepositoryWrittenByUsPassesFsck() throws {
        let dir = try makeTempDir("diskfsck")
        defer { try? FileManager.default.removeItem(at: dir) }
        let repo = try GitRepository.openOrCreateBare(path: dir.path)
        let tip = try linearHistory(repo, count: 5).last!
        try repo.setRef("refs/heads/main", tip)
        let fsck = try runGit(["--git-dir", dir.path, "fsck", "--strict", "--no-dangling", "--no-progress"])
        #expect(fsck.status == 0, "\(fsck.stdout)\n\(fsck.stderr)")
        #expect((fsck.stdout + fsck.stderr).trimmed.isEmpty)
        #expect(try runGit(["--git-dir", dir.path, "rev-list", "--count", "HEAD"]).stdout.trimmed == "5")
        #expect(try runGit(["--git-dir", dir.path, "log", "--format=%s", "-1"]).stdout.trimmed == "commit 4")
    }

    @Test func readsRepositoryMadeByGitCommandLine() throws {
        let dir = try makeTempDir("cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        func git(_ args: String...) throws -> String {
            let r = try runGit(["-c", "user.name=CLI", "-c", "user.email=cli@example.invalid"] + args, in: dir)
            #expect(r.status == 0, "git \(args): \(r.stderr)")
            return r.stdout.trimmed
        }
        _ = try git("-c", "init.defaultBranch=main", "init", "-q")
        try "one\n".write(to: dir.appendingPathComponent("f.txt"), atomically: true, encoding: .utf8)
        _ = try git("add", "f.txt")
        _ = try git("commit", "-q", "-m", "first")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("d"), withIntermediateDirectories: true)
        try "two\n".write(to: dir.appendingPathComponent("d/g.txt"), atomically: true, encoding: .utf8)
        _ = try git("add", "d/g.txt")
        _ = try git("commit", "-q", "-m", "second")
        _ = try git("tag", "-a", "v0", "-m", "tagged")
        let tipHex = try git("rev-parse", "HEAD")
        let tagHex = try git("rev-parse", "refs/tags/v0")

        let repo = try GitRepository.openOrCreateBare(path: dir.appendingPathComponent(".git").path)
        let tip = try #require(ObjectID(hex: tipHex))
        #expect(repo.ref("refs/heads/main") == tip)
        #expect(repo.head == "refs/heads/main")
        #expect(repo.refs.map(\.name) == ["refs/heads/main", "refs/tags/v0"])
        let tag = try #require(repo.ref("refs/tags/v0"))
        #expect(tag.hex == tagHex)
        #expect(try repo.peel(tag) == tip)
        #expect(try repo.parents(of: tip).count == 1)
        #expect(repo.isComplete([tag]))

        // Our writer produces the same blob ids as git's.
        let mem = try GitRepository.inMemory()
        #expect(try mem.writeBlob("two\n").hex == (try git("rev-parse", "HEAD:d/g.txt")))
        // And everything transfers into memory intact: 2 commits, 3 trees, 2 blobs, 1 tag.
        let pack = try repo.pack(tips: [tag], haves: [])
        #expect(pack.objects.count == 8)
        #expect(try mem.receive(pack) == 7, "the blob written above was already there")
        #expect(mem.isComplete([tag]))
        #expect(try mem.allObjectIDs() == repo.allObjectIDs())
    }
}
