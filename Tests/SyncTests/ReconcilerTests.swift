import GitStore
import Testing

@testable import Checks
@testable import Sync

private let main = "refs/heads/main"
private let tracking = "refs/remotes/origin/main"
private let now: Int64 = 1_750_000_000  // 2025-06-15T15:06:40Z (checked with python3 datetime)

private let baseFiles: [String: String] = [
    "README.md": "hello\n",
    "a.txt": (1...9).map { "line \($0)\n" }.joined(),
    "src/b.txt": "b\n",
]

/// `files` with line `n` (1-based) of a.txt replaced.
private func editA(_ files: [String: String], line n: Int, to text: String) -> [String: String] {
    var lines = files["a.txt"]!.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines[n - 1] = text
    var out = files
    out["a.txt"] = lines.joined(separator: "\n")
    return out
}

private func with(_ files: [String: String], _ path: String, _ content: String?) -> [String: String] {
    var out = files
    out[path] = content
    return out
}

/// A copy of every object and ref of `repo`.
private func clone(_ repo: GitRepository) throws -> GitRepository {
    let c = try GitRepository.inMemory()
    try c.receive(Pack(objects: try repo.allObjectIDs().map { try repo.read($0) }))
    for r in repo.refs { try c.setRef(r.name, r.id) }
    return c
}

/// Path -> content of the files of a commit.
private func files(_ repo: GitRepository, _ commit: ObjectID) throws -> [String: String] {
    var out: [String: String] = [:]
    for (path, entry) in try Reconciler.flatten(repo, tree: try repo.tree(of: commit)) {
        let id = ObjectID(hex: String(entry.split(separator: " ")[1]))!
        out[path] = String(decoding: try repo.read(id).data, as: UTF8.self)
    }
    return out
}

private func firstParentChain(_ repo: GitRepository, _ head: ObjectID, count: Int) throws -> [ObjectID] {
    var out = [head]
    while out.count <= count { out.append(try repo.parents(of: out.last!)[0]) }
    return out
}

/// An upstream with one commit and a mirror cloned from it, plus histories for each outcome.
private struct Setup {
    let remote: GitRepository
    let local: GitRepository
    let c0: ObjectID

    init() throws {
        remote = try GitRepository.inMemory()
        c0 = try remote.commit(files: baseFiles, parents: [], message: "initial", time: 1_700_000_000)
        try remote.setRef(main, c0)
        local = try clone(remote)
    }

    @discardableResult
    func remoteCommit(_ files: [String: String], _ message: String, time: Int64 = 1_700_000_100) throws -> ObjectID {
        let c = try remote.commit(files: files, parents: [remote.ref(main)!], message: message, time: time)
        try remote.setRef(main, c)
        return c
    }

    @discardableResult
    func localCommit(_ files: [String: String], _ message: String, time: Int64 = 1_700_000_200) throws -> ObjectID {
        let c = try local.commit(files: files, parents: [local.ref(main)!], message: message, time: time)
        try local.setRef(main, c)
        return c
    }

    /// Histories that lead to `outcome`.
    static func leadingTo(_ outcome: ReconcileOutcome) throws -> Setup {
        let s = try Setup()
        switch outcome {
        case .inSync, .fetchFailed:
            try s.localCommit(with(baseFiles, "local.txt", "mine\n"), "local work")
            if outcome == .inSync {
                _ = try Reconciler.reconcile(
                    local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
            }
        case .fastForwarded:
            try s.remoteCommit(with(baseFiles, "up.txt", "up\n"), "upstream 1")
            try s.remoteCommit(with(with(baseFiles, "up.txt", "up\n"), "up2.txt", "2\n"), "upstream 2")
        case .pushedAhead:
            try s.localCommit(with(baseFiles, "local.txt", "mine\n"), "local work")
        case .rebased:
            try s.remoteCommit(editA(baseFiles, line: 9, to: "upstream nine"), "upstream edits line 9")
            let l1 = editA(baseFiles, line: 1, to: "local one")
            try s.localCommit(l1, "local edits line 1")
            try s.localCommit(with(l1, "src/c.txt", "new\n"), "local adds c", time: 1_700_000_300)
        case .conflictEscaped:
            try s.remoteCommit(editA(baseFiles, line: 5, to: "upstream five"), "upstream edits line 5")
            try s.localCommit(editA(baseFiles, line: 5, to: "local five"), "local edits line 5")
        }
        return s
    }
}

@Suite struct ReconcilerOutcomes {
    @Test(arguments: ReconcileOutcome.allCases)
    func eachOutcomeWithRealHistoriesLosesNoLocalCommit(_ expected: ReconcileOutcome) throws {
        let s = try Setup.leadingTo(expected)
        let before = s.local.ref(main)!
        let remote: GitRepository? = expected == .fetchFailed ? nil : s.remote
        let r = try Reconciler.reconcile(
            local: s.local, remote: remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(r.outcome == expected)
        #expect(!r.pushFailed)
        #expect(LocalWorkKept.lost(before: before, local: s.local, remote: remote, branch: "main").isEmpty)
        #expect(r.localHead == s.local.ref(main))
        switch expected {
        case .fetchFailed:
            #expect(s.local.ref(main) == before)
        case .conflictEscaped:
            #expect(s.local.ref(main) == s.remote.ref(main))
            #expect(s.remote.ref("refs/heads/" + r.conflictBranch!) == before)
        default:
            // Afterwards both sides agree and the mirror has every object.
            #expect(s.local.ref(main) == s.remote.ref(main))
            #expect(s.local.isComplete([s.local.ref(main)!]))
            #expect(s.remote.isComplete([s.remote.ref(main)!]))
            #expect(r.conflictBranch == nil)
        }
        // A second run right after finds nothing to do (fetch-failed stays failed).
        let again = try Reconciler.reconcile(
            local: s.local, remote: remote, branch: "main", remoteName: "origin", unixNow: now + 1)
        #expect(again.outcome == (expected == .fetchFailed ? .fetchFailed : .inSync))
    }

    @Test func inSyncSetsTheTrackingRefAndChangesNothing() throws {
        let s = try Setup()
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(r.outcome == .inSync)
        #expect(r.localHead == s.c0 && r.remoteHead == s.c0)
        #expect(s.local.ref(tracking) == s.c0)
        #expect(s.remote.refs.map(\.name) == [main])
    }

    @Test func fastForwardBringsObjectsAndMovesLocal() throws {
        let s = try Setup.leadingTo(.fastForwarded)
        let up = s.remote.ref(main)!
        #expect(!s.local.contains(up))
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(r.outcome == .fastForwarded)
        #expect(s.local.ref(main) == up && s.local.ref(tracking) == up)
        #expect(try files(s.local, up)["up2.txt"] == "2\n")
    }

    @Test func pushedAheadCopiesObjectsToTheRemote() throws {
        let s = try Setup.leadingTo(.pushedAhead)
        let l1 = s.local.ref(main)!
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(r.outcome == .pushedAhead && r.remoteHead == s.c0)
        #expect(s.remote.ref(main) == l1)
        #expect(try files(s.remote, l1)["local.txt"] == "mine\n")
        #expect(s.local.ref(tracking) == l1)
    }

    @Test func failedPushStillReportsPushedAheadAndKeepsLocal() throws {
        let s = try Setup.leadingTo(.pushedAhead)
        let l1 = s.local.ref(main)!
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin",
            unixNow: now, options: ReconcilerOptions(pushFails: true))
        #expect(r.outcome == .pushedAhead)
        #expect(r.pushFailed)
        #expect(s.remote.ref(main) == s.c0)
        #expect(s.local.ref(main) == l1)
        #expect(LocalWorkKept.lost(before: l1, local: s.local, remote: s.remote, branch: "main").isEmpty)
        // Retried later: the next run pushes.
        let again = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(again.outcome == .pushedAhead && !again.pushFailed && s.remote.ref(main) == l1)
    }

    @Test func rebaseReplaysLocalCommitsOldestFirstWithContentMerge() throws {
        let s = try Setup.leadingTo(.rebased)
        let r1 = s.remote.ref(main)!
        let l2 = s.local.ref(main)!
        let l1 = try s.local.parents(of: l2)[0]
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(r.outcome == .rebased)
        #expect(r.remoteHead == r1)
        let head = s.local.ref(main)!
        #expect(s.remote.ref(main) == head)
        let chain = try firstParentChain(s.local, head, count: 2)
        #expect(chain[2] == r1)
        // Both sides' edits of a.txt survive (line-level merge), plus the new file.
        let f = try files(s.local, head)
        #expect(f["a.txt"]!.hasPrefix("local one\nline 2\n"))
        #expect(f["a.txt"]!.hasSuffix("line 8\nupstream nine\n"))
        #expect(f["src/c.txt"] == "new\n" && f["README.md"] == "hello\n")
        // Author and message kept, committer time = now.
        let old1 = try CommitInfo.parse(try s.local.read(l1).data)
        let new1 = try CommitInfo.parse(try s.local.read(chain[1]).data)
        let new2 = try CommitInfo.parse(try s.local.read(chain[0]).data)
        #expect(new1.identity == old1.identity)
        #expect(new1.message == "local edits line 1\n" && new2.message == "local adds c\n")
        #expect(new1.committer.time == now && new2.committer.time == now)
        #expect(new2.author.time == 1_700_000_300)
    }

    /// A rebase whose push fails keeps the rebased commits on the local branch: nothing is
    /// lost (the check called it a loss when the push to the upstream was dropped).
    @Test func rebaseWhosePushFailsLosesNothing() throws {
        let s = try Setup()
        try s.remoteCommit(with(baseFiles, "theirs.txt", "upstream\n"), "upstream work")
        let before = try s.localCommit(with(baseFiles, "ours.txt", "local\n"), "local work")
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now,
            options: ReconcilerOptions(pushFails: true))
        #expect(r.outcome == .rebased && r.pushFailed)
        #expect(s.local.ref(main) != before && s.remote.ref(main) == r.remoteHead)
        #expect(LocalWorkKept.lost(before: before, local: s.local, remote: s.remote, branch: "main").isEmpty)
        // Reset away from the rebased copy, the work is lost, and said so.
        try s.local.setRef(main, r.remoteHead!)
        #expect(!LocalWorkKept.lost(before: before, local: s.local, remote: s.remote, branch: "main").isEmpty)
    }

    /// The rebased copy a failed push left locally, escaped to conflicts/ by a later
    /// reconcile that clashed, still counts as the original's counterpart.
    @Test func rebasedCopyEscapedByALaterConflictIsNotLost() throws {
        let s = try Setup()
        let upstream = with(baseFiles, "theirs.txt", "upstream\n")
        try s.remoteCommit(upstream, "upstream work")
        let before = try s.localCommit(with(baseFiles, "README.md", "local wording\n"), "local work")
        let first = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now,
            options: ReconcilerOptions(pushFails: true))
        #expect(first.outcome == .rebased && first.pushFailed)
        try s.remoteCommit(with(upstream, "README.md", "upstream wording\n"), "upstream rewording")
        let second = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(second.outcome == .conflictEscaped && !second.pushFailed)
        #expect(LocalWorkKept.lost(before: before, local: s.local, remote: s.remote, branch: "main").isEmpty)
    }

    @Test func commitAlreadyUpstreamIsDroppedAndNotCountedLost() throws {
        let s = try Setup()
        let same = with(baseFiles, "fix.txt", "fixed\n")
        try s.remoteCommit(same, "upstream took the fix")
        try s.localCommit(same, "local fix")
        let before = try s.localCommit(with(same, "more.txt", "more\n"), "more local work")
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(r.outcome == .rebased)
        let head = s.local.ref(main)!
        #expect(try s.local.parents(of: head) == [r.remoteHead!])  // one commit replayed, one dropped
        #expect(LocalWorkKept.lost(before: before, local: s.local, remote: s.remote, branch: "main").isEmpty)
    }

    @Test func conflictEscapesToATimestampedBranchAndResetsLocal() throws {
        let s = try Setup.leadingTo(.conflictEscaped)
        let r1 = s.remote.ref(main)!
        let l1 = s.local.ref(main)!
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(r.outcome == .conflictEscaped)
        #expect(r.conflictBranch == "conflicts/2025-06-15T15-06-40Z")
        #expect(r.conflicts == ["a.txt"])
        #expect(s.remote.ref("refs/heads/conflicts/2025-06-15T15-06-40Z") == l1)
        #expect(s.remote.isComplete([l1]))
        #expect(s.remote.ref(main) == r1)  // upstream branch untouched
        #expect(s.local.ref(main) == r1 && r.localHead == r1)
        #expect(s.remote.refs.map(\.name) == ["refs/heads/conflicts/2025-06-15T15-06-40Z", main])
    }

    @Test func failedEscapePushLeavesLocalUntouched() throws {
        let s = try Setup.leadingTo(.conflictEscaped)
        let l1 = s.local.ref(main)!
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin",
            unixNow: now, options: ReconcilerOptions(pushFails: true))
        #expect(r.outcome == .conflictEscaped && r.pushFailed)
        #expect(s.local.ref(main) == l1)
        #expect(LocalWorkKept.lost(before: l1, local: s.local, remote: s.remote, branch: "main").isEmpty)
    }

    @Test func secondConflictInTheSameSecondGetsASuffix() throws {
        let s = try Setup.leadingTo(.conflictEscaped)
        _ = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
        try s.remoteCommit(editA(baseFiles, line: 5, to: "upstream five again"), "upstream again")
        try s.localCommit(editA(baseFiles, line: 5, to: "local five again"), "local again")
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(r.outcome == .conflictEscaped)
        #expect(r.conflictBranch == "conflicts/2025-06-15T15-06-40Z-2")
    }

    @Test func fetchFailedChangesNothing() throws {
        let s = try Setup.leadingTo(.pushedAhead)
        let refsBefore = s.local.refs.map { "\($0.name) \($0.id)" }
        let r = try Reconciler.reconcile(
            local: s.local, remote: nil, branch: "main", remoteName: "origin", unixNow: now)
        #expect(r.outcome == .fetchFailed && r.remoteHead == nil && r.localHead == s.local.ref(main))
        #expect(s.local.refs.map { "\($0.name) \($0.id)" } == refsBefore)
        // A reachable remote without the branch fails the fetch too (git: couldn't find remote ref).
        let r2 = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "dev", remoteName: "origin", unixNow: now)
        #expect(r2.outcome == .fetchFailed)
    }
}

@Suite struct ReconcilerDetails {
    @Test func explicitRefspec() {
        #expect(Reconciler.refspec(branch: "main", remote: "origin") == "+refs/heads/main:refs/remotes/origin/main")
        #expect(
            Reconciler.refspec(branch: "release/1.x", remote: "upstream")
                == "+refs/heads/release/1.x:refs/remotes/upstream/release/1.x")
    }

    @Test func fetchHonoursTheRefspecDestination() throws {
        let s = try Setup.leadingTo(.fastForwarded)
        let up = s.remote.ref(main)!
        #expect(try Reconciler.fetch(into: s.local, from: s.remote, refspec: "+refs/heads/main:refs/remotes/up/x"))
        #expect(s.local.ref("refs/remotes/up/x") == up && s.local.ref(main) == s.c0)
        #expect(try !Reconciler.fetch(into: s.local, from: s.remote, refspec: "+refs/heads/nope:refs/remotes/up/nope"))
    }

    /// Expected values computed with python3: datetime.fromtimestamp(t, timezone.utc).strftime(...).
    @Test(arguments: [
        (Int64(0), "1970-01-01T00-00-00Z"),
        (1_750_000_000, "2025-06-15T15-06-40Z"),
        (951_786_061, "2000-02-29T01-01-01Z"),
        (-1, "1969-12-31T23-59-59Z"),
        (4_102_444_799, "2099-12-31T23-59-59Z"),
        (1_709_164_800, "2024-02-29T00-00-00Z"),
        (-3_153_600_000, "1870-01-25T00-00-00Z"),
    ])
    func conflictBranchNameIsUTC(_ t: Int64, _ stamp: String) {
        #expect(Reconciler.conflictBranchName(unixNow: t) == "conflicts/" + stamp)
    }

    @Test func signatureParsing() throws {
        let s = try CommitInfo.parseSignature("Ada Lovelace <ada@example.org> 1700000000 -0130")
        #expect(s == Signature(name: "Ada Lovelace", email: "ada@example.org", time: 1_700_000_000, offsetMinutes: -90))
        #expect(throws: GitStoreError.self) { try CommitInfo.parseSignature("nobody 12") }
    }
}

@Suite struct ReconcilerBrokenVariants {
    @Test func swallowedRebaseFailureIsCaught() throws {
        let s = try Setup.leadingTo(.conflictEscaped)
        // A clean commit on top of the conflicting one.
        try s.localCommit(with(editA(baseFiles, line: 5, to: "local five"), "src/c.txt", "new\n"), "local adds c")
        let before = s.local.ref(main)!

        // Reference behaviour on a copy of the same histories.
        let good = Setup.Copy(s)
        let ok = try Reconciler.reconcile(
            local: good.local, remote: good.remote, branch: "main", remoteName: "origin", unixNow: now)
        #expect(ok.outcome == .conflictEscaped)
        #expect(LocalWorkKept.lost(before: before, local: good.local, remote: good.remote, branch: "main").isEmpty)

        let bad = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin",
            unixNow: now, options: ReconcilerOptions(faultSwallowRebaseFailure: true))
        #expect(bad.outcome == .rebased)  // outcome mismatch
        #expect(bad.conflicts == ["a.txt"])
        #expect(try files(s.local, s.local.ref(main)!)["src/c.txt"] == "new\n")
        #expect(!LocalWorkKept.lost(before: before, local: s.local, remote: s.remote, branch: "main").isEmpty)
    }

    @Test func singleBranchRefspecMissesUpstreamProgress() throws {
        for fault in [false, true] {
            let s = try Setup()
            let first = try Reconciler.reconcile(
                local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now)
            #expect(first.outcome == .inSync)
            let up = try s.remoteCommit(with(baseFiles, "up.txt", "up\n"), "upstream")
            let r = try Reconciler.reconcile(
                local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now,
                options: ReconcilerOptions(faultSingleBranchRefspec: fault))
            if fault {
                #expect(r.outcome == .inSync)  // wrong: the stale tracking ref still says c0
                #expect(s.local.ref(main) == s.c0 && !s.local.contains(up))
            } else {
                #expect(r.outcome == .fastForwarded)
                #expect(s.local.ref(main) == up)
            }
        }
    }

    @Test func singleBranchRefspecWithoutTrackingRefPushesBlindly() throws {
        let s = try Setup.leadingTo(.fastForwarded)
        let up = s.remote.ref(main)!
        let r = try Reconciler.reconcile(
            local: s.local, remote: s.remote, branch: "main", remoteName: "origin", unixNow: now,
            options: ReconcilerOptions(faultSingleBranchRefspec: true))
        #expect(r.outcome == .pushedAhead)  // should have been fast-forwarded
        #expect(r.pushFailed)  // the non-fast-forward push is refused
        #expect(s.remote.ref(main) == up)
    }

    @Test func checkerCatchesAHardResetWithoutEscape() throws {
        let s = try Setup.leadingTo(.conflictEscaped)
        let before = s.local.ref(main)!
        // What a broken reconciler might do: fetch, then reset to upstream, no conflicts branch.
        #expect(
            try Reconciler.fetch(
                into: s.local, from: s.remote, refspec: Reconciler.refspec(branch: "main", remote: "origin")))
        try s.local.setRef(main, s.local.ref(tracking)!)
        #expect(!LocalWorkKept.lost(before: before, local: s.local, remote: s.remote, branch: "main").isEmpty)
        #expect(!LocalWorkKept.lost(before: before, local: s.local, remote: nil, branch: "main").isEmpty)
    }
}

extension Setup {
    /// Independent copies of a setup's two repositories.
    struct Copy {
        let local: GitRepository
        let remote: GitRepository
        init(_ s: Setup) {
            local = try! clone(s.local)
            remote = try! clone(s.remote)
        }
    }
}

@Suite struct MergeTrees {
    @Test func disjointChangesMergeCleanlyAndObjectsAreStored() throws {
        let repo = try GitRepository.inMemory()
        let base = try repo.writeFileTree(baseFiles)
        let ours = try repo.writeFileTree(with(baseFiles, "x.txt", "x\n"))
        let theirs = try repo.writeFileTree(editA(with(baseFiles, "src/b.txt", nil), line: 3, to: "three"))
        let (tree, conflicts) = try repo.mergeTrees(base: base, ours: ours, theirs: theirs)
        #expect(conflicts.isEmpty)
        let merged = try #require(tree)
        let commit = try repo.writeCommit(
            tree: merged, parents: [], message: "merged\n",
            author: Signature(name: "a", email: "a@b", time: 0),
            committer: Signature(name: "a", email: "a@b", time: 0))
        // Every object of the merge result is known to the store (packable).
        #expect(repo.isComplete([commit]))
        #expect(try repo.pack(tips: [commit], haves: []).objects.count >= 4)
        let f = try files(repo, commit)
        #expect(f.keys.sorted() == ["README.md", "a.txt", "x.txt"])
        #expect(f["a.txt"]!.contains("three\n"))
    }

    @Test func sameLineChangedDifferentlyConflicts() throws {
        let repo = try GitRepository.inMemory()
        let base = try repo.writeFileTree(baseFiles)
        let ours = try repo.writeFileTree(editA(with(baseFiles, "src/b.txt", "ours\n"), line: 2, to: "ours"))
        let theirs = try repo.writeFileTree(editA(with(baseFiles, "src/b.txt", "theirs\n"), line: 2, to: "theirs"))
        let r = try repo.mergeTrees(base: base, ours: ours, theirs: theirs)
        #expect(r.tree == nil)
        #expect(r.conflicts == ["a.txt", "src/b.txt"])
    }

    @Test func identicalChangesAndNoBase() throws {
        let repo = try GitRepository.inMemory()
        let same = try repo.writeFileTree(with(baseFiles, "n.txt", "n\n"))
        let r = try repo.mergeTrees(base: try repo.writeFileTree(baseFiles), ours: same, theirs: same)
        #expect(r.tree == same && r.conflicts.isEmpty)
        // Without a base, different files added on each side merge; the same path added twice conflicts.
        let a = try repo.writeFileTree(["a": "1\n"])
        let b = try repo.writeFileTree(["b": "2\n"])
        let ab = try repo.mergeTrees(base: nil, ours: a, theirs: b)
        #expect(ab.conflicts.isEmpty)
        #expect(ab.tree == (try repo.writeFileTree(["a": "1\n", "b": "2\n"])))
        let a2 = try repo.writeFileTree(["a": "other\n"])
        #expect(try repo.mergeTrees(base: nil, ours: a, theirs: a2).conflicts == ["a"])
    }

    @Test func missingTreeThrows() throws {
        let repo = try GitRepository.inMemory()
        let t = try repo.writeFileTree(["a": "1\n"])
        #expect(throws: GitStoreError.self) {
            try repo.mergeTrees(base: nil, ours: t, theirs: ObjectID(hex: String(repeating: "1", count: 40))!)
        }
        let blob = try repo.writeBlob("x")
        #expect(throws: GitStoreError.wrongObjectType(blob, expected: .tree)) {
            try repo.mergeTrees(base: nil, ours: t, theirs: blob)
        }
    }
}
