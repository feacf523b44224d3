// Upstream mirror reconciliation (SPEC §7): fetch with an explicit refspec, then one of six
// outcomes. Works on two GitRepository values (the mirror and the upstream); the driver
// decides when to run it (at boot and on demand, under the repository lock).
import GitStore

public enum ReconcileOutcome: String, Sendable, CaseIterable {
    case inSync = "in-sync"
    case fastForwarded = "fast-forwarded"
    case pushedAhead = "pushed-ahead"
    case rebased
    case conflictEscaped = "conflict-escaped"
    case fetchFailed = "fetch-failed"
}

public struct ReconcileResult: Sendable {
    public var outcome: ReconcileOutcome
    /// The local branch after reconciliation (nil: the branch does not exist).
    public var localHead: ObjectID?
    /// The upstream branch as the fetch saw it (the remote-tracking ref), before any push;
    /// nil when the fetch failed.
    public var remoteHead: ObjectID?
    /// `conflicts/<UTC>` branch the pre-rebase head was pushed to (conflict-escaped only).
    public var conflictBranch: String?
    /// A push this run needed did not land (reported, not swallowed; retried next run).
    public var pushFailed: Bool = false
    /// Paths of the first conflicting rebase step (conflict-escaped, or swallowed ones).
    public var conflicts: [String] = []

    public init(
        outcome: ReconcileOutcome, localHead: ObjectID?, remoteHead: ObjectID?,
        conflictBranch: String? = nil, pushFailed: Bool = false, conflicts: [String] = []
    ) {
        self.outcome = outcome
        self.localHead = localHead
        self.remoteHead = remoteHead
        self.conflictBranch = conflictBranch
        self.pushFailed = pushFailed
        self.conflicts = conflicts
    }
}

public struct ReconcilerOptions: Sendable, Equatable {
    /// Broken variant (SPEC §7 note): the fetch relies on a single-branch clone's configured
    /// refspec instead of the explicit one, so it brings nothing and the remote-tracking ref
    /// stays stale (or absent).
    public var faultSingleBranchRefspec = false
    /// Broken variant: a conflicting rebase step's failure is ignored; the step is dropped,
    /// the rest is replayed and the run reports `rebased`.
    public var faultSwallowRebaseFailure = false
    /// Environment, not a variant: every push to the upstream fails (network error, refused).
    public var pushFails = false

    public init(
        faultSingleBranchRefspec: Bool = false, faultSwallowRebaseFailure: Bool = false,
        pushFails: Bool = false
    ) {
        self.faultSingleBranchRefspec = faultSingleBranchRefspec
        self.faultSwallowRebaseFailure = faultSwallowRebaseFailure
        self.pushFails = pushFails
    }
}

public enum Reconciler {
    /// The explicit refspec every fetch uses: `+refs/heads/<b>:refs/remotes/<remote>/<b>`.
    public static func refspec(branch: String, remote: String) -> String {
        "+refs/heads/\(branch):refs/remotes/\(remote)/\(branch)"
    }

    /// True for `conflicts/YYYY-MM-DDTHH-MM-SSZ`, optionally with a `-<n>` suffix (a second
    /// escape in the same second).
    public static func isConflictBranchName(_ name: String) -> Bool {
        guard name.hasPrefix("conflicts/") else { return false }
        let stamp = Array(name.dropFirst("conflicts/".count).utf8)
        let pattern = Array("0000-00-00T00-00-00Z".utf8)
        guard stamp.count >= pattern.count else { return false }
        for (c, p) in zip(stamp, pattern) {
            if p == UInt8(ascii: "0") {
                if !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) { return false }
            } else if c != p {
                return false
            }
        }
        let rest = stamp.dropFirst(pattern.count)
        if rest.isEmpty { return true }
        return rest.first == UInt8(ascii: "-") && rest.count > 1
            && rest.dropFirst().allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// `conflicts/YYYY-MM-DDTHH-MM-SSZ` for the UTC time `unixNow` (seconds).
    public static func conflictBranchName(unixNow: Int64) -> String {
        "conflicts/" + utcStamp(unixNow)
    }

    /// Reconciles `local`'s `branch` with `remote`'s (nil: unreachable).
    ///
    /// 1. fetch with `refspec(branch:remote:)` into `refs/remotes/<remoteName>/<branch>`
    ///    (a remote without the branch fails the fetch, like `git fetch` does);
    /// 2. equal → in-sync; local behind → fast-forward; local ahead → push (a failed push
    ///    still reports pushed-ahead, with `pushFailed`); diverged → rebase the local-only
    ///    first-parent commits, oldest first, onto the remote head with 3-way tree merges;
    ///    clean → rebased and pushed; any conflict → abort, push the pre-rebase head to
    ///    `conflicts/<UTC>`, hard-reset local to the remote head → conflict-escaped. When that
    ///    escape push fails the local branch is left untouched (`pushFailed`), so nothing is lost.
    ///
    /// Rebased commits keep author and message; their committer time is `unixNow`. Commits
    /// whose change is already upstream are dropped, as `git rebase` does.
    public static func reconcile(
        local: GitRepository, remote: GitRepository?, branch: String,
        remoteName: String, unixNow: Int64,
        options: ReconcilerOptions = ReconcilerOptions()
    ) throws -> ReconcileResult {
        let localRef = "refs/heads/\(branch)"
        let trackingRef = "refs/remotes/\(remoteName)/\(branch)"
        let before = local.ref(localRef)
        guard let remote else {
            return ReconcileResult(outcome: .fetchFailed, localHead: before, remoteHead: nil)
        }

        // 1. fetch
        if !options.faultSingleBranchRefspec {
            let fetched = try fetch(
                into: local, from: remote,
                refspec: refspec(branch: branch, remote: remoteName))
            if !fetched {
                return ReconcileResult(outcome: .fetchFailed, localHead: before, remoteHead: nil)
            }
        }
        let remoteHead = local.ref(trackingRef)

        // 2. compare
        guard let l = before else {
            if let r = remoteHead {
                try local.setRef(localRef, r)
                return ReconcileResult(outcome: .fastForwarded, localHead: r, remoteHead: r)
            }
            return ReconcileResult(outcome: .inSync, localHead: nil, remoteHead: nil)
        }
        guard let r = remoteHead else {
            let ok = try push(l, from: local, to: remote, ref: localRef, trackingRef: trackingRef, options: options)
            return ReconcileResult(outcome: .pushedAhead, localHead: l, remoteHead: nil, pushFailed: !ok)
        }
        if l == r {
            return ReconcileResult(outcome: .inSync, localHead: l, remoteHead: r)
        }
        if try local.isAncestor(l, of: r) {
            try local.setRef(localRef, r)
            return ReconcileResult(outcome: .fastForwarded, localHead: r, remoteHead: r)
        }
        if try local.isAncestor(r, of: l) {
            let ok = try push(l, from: local, to: remote, ref: localRef, trackingRef: trackingRef, options: options)
            return ReconcileResult(outcome: .pushedAhead, localHead: l, remoteHead: r, pushFailed: !ok)
        }

        // 3. diverged: rebase local-only commits onto the remote head
        let replay = try localOnlyCommits(in: local, head: l, upstream: r)
        var tip = r
        var firstConflict: [String] = []
        for c in replay {
            let parent = try local.parents(of: c).first
            let baseTree = try parent.map { try local.tree(of: $0) }
            let commitTree = try local.tree(of: c)
            let tipTree = try local.tree(of: tip)
            let merged = try local.mergeTrees(base: baseTree, ours: tipTree, theirs: commitTree)
            guard let tree = merged.tree, merged.conflicts.isEmpty else {
                if firstConflict.isEmpty { firstConflict = merged.conflicts }
                if options.faultSwallowRebaseFailure { continue }
                break
            }
            let startedEmpty = baseTree == commitTree
            if tree == tipTree && !startedEmpty { continue }  // already upstream
            let info = try CommitInfo.parse(try local.read(c).data)
            var committer = info.committer
            committer.time = unixNow
            tip = try local.writeCommit(
                tree: tree, parents: [tip], message: info.message,
                author: info.author, committer: committer)
        }

        if !firstConflict.isEmpty && !options.faultSwallowRebaseFailure {
            // abort: escape the pre-rebase head, then hard-reset to the remote
            let name = try freeConflictBranch(on: remote, unixNow: unixNow, head: l)
            let ok = try push(l, from: local, to: remote, ref: "refs/heads/\(name)", trackingRef: nil, options: options)
            if ok { try local.setRef(localRef, r) }
            return ReconcileResult(
                outcome: .conflictEscaped, localHead: ok ? r : l, remoteHead: r,
                conflictBranch: name, pushFailed: !ok, conflicts: firstConflict)
        }
        try local.setRef(localRef, tip)
        let ok = try push(tip, from: local, to: remote, ref: localRef, trackingRef: trackingRef, options: options)
        return ReconcileResult(
            outcome: .rebased, localHead: tip, remoteHead: r, pushFailed: !ok,
            conflicts: firstConflict)
    }

    // MARK: transport (object copy + refs)

    /// Applies `+src:dst` (or `src:dst`): copies the objects of `remote`'s `src` and sets
    /// `local`'s `dst`. False when the remote has no `src` (git: "couldn't find remote ref").
    static func fetch(into local: GitRepository, from remote: GitRepository, refspec: String) throws -> Bool {
        var spec = Substring(refspec)
        let force = spec.hasPrefix("+")
        if force { spec = spec.dropFirst() }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw GitStoreError.invalidRefName(refspec) }
        let src = String(parts[0])
        let dst = String(parts[1])
        guard let id = remote.ref(src) else { return false }
        let pack = try remote.pack(tips: [id], haves: local.refs.map(\.id))
        try local.receive(pack)
        if !force, let old = local.ref(dst), old != id, try !local.isAncestor(old, of: id) {
            return false  // non-fast-forward without '+': rejected
        }
        try local.setRef(dst, id)
        return true
    }

    /// `git push <remote> <id>:<ref>` without force: copies objects and moves the remote ref
    /// when it is absent or an ancestor of `id`. False when refused or `options.pushFails`.
    static func push(
        _ id: ObjectID, from local: GitRepository, to remote: GitRepository, ref: String,
        trackingRef: String?, options: ReconcilerOptions
    ) throws -> Bool {
        if options.pushFails { return false }
        if let current = remote.ref(ref), current != id {
            guard local.contains(current), try local.isAncestor(current, of: id) else { return false }
        }
        let pack = try local.pack(tips: [id], haves: remote.refs.map(\.id))
        try remote.receive(pack)
        try remote.setRef(ref, id)
        if let trackingRef { try local.setRef(trackingRef, id) }
        return true
    }

    /// `conflicts/<UTC>`, with `-2`, `-3`… appended when that branch already exists on the
    /// remote at another commit.
    static func freeConflictBranch(on remote: GitRepository, unixNow: Int64, head: ObjectID) throws -> String {
        let base = conflictBranchName(unixNow: unixNow)
        var name = base
        var n = 1
        while let existing = remote.ref("refs/heads/\(name)"), existing != head {
            n += 1
            name = "\(base)-\(n)"
        }
        return name
    }

    // MARK: history helpers

    /// First-parent commits of `head` not reachable from `upstream`, oldest first.
    static func localOnlyCommits(in repo: GitRepository, head: ObjectID, upstream: ObjectID) throws -> [ObjectID] {
        let upstreamSide = reachableCommits(repo, from: [upstream])
        var chain: [ObjectID] = []
        var cur: ObjectID? = head
        while let c = cur, !upstreamSide.contains(c) {
            chain.append(c)
            cur = try repo.parents(of: c).first
        }
        return chain.reversed()
    }

    /// Commits reachable from `tips` through parent links (those present in `repo`).
    static func reachableCommits(_ repo: GitRepository, from tips: [ObjectID]) -> Set<ObjectID> {
        var seen = Set<ObjectID>()
        var stack = tips
        while let c = stack.popLast() {
            guard repo.contains(c), !seen.contains(c) else { continue }
            guard let ps = try? repo.parents(of: c) else { continue }
            seen.insert(c)
            stack.append(contentsOf: ps)
        }
        return seen
    }

    /// Path → "mode blob-hex" for every non-tree entry under `tree`.
    static func flatten(_ repo: GitRepository, tree: ObjectID, prefix: String = "") throws -> [String: String] {
        var out: [String: String] = [:]
        for e in try parseTree(try repo.read(tree).data) {
            let path = prefix + e.name
            if e.mode == "40000" {
                for (k, v) in try flatten(repo, tree: e.id, prefix: path + "/") { out[k] = v }
            } else {
                out[path] = e.mode + " " + e.id.hex
            }
        }
        return out
    }

    /// Entries of a raw tree object: `<mode> <name>\0<20-byte id>` repeated.
    static func parseTree(_ data: [UInt8]) throws -> [(mode: String, name: String, id: ObjectID)] {
        var out: [(mode: String, name: String, id: ObjectID)] = []
        var i = 0
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        while i < data.count {
            guard let sp = data[i...].firstIndex(of: 0x20),
                let nul = data[sp...].firstIndex(of: 0), nul + 20 < data.count + 1
            else {
                throw GitStoreError.invalidObject("malformed tree")
            }
            let mode = String(decoding: data[i..<sp], as: UTF8.self)
            let name = String(decoding: data[(sp + 1)..<nul], as: UTF8.self)
            var h: [UInt8] = []
            h.reserveCapacity(40)
            for b in data[(nul + 1)..<(nul + 21)] {
                h.append(hex[Int(b >> 4)])
                h.append(hex[Int(b & 0xf)])
            }
            guard let id = ObjectID(hex: String(decoding: h, as: UTF8.self)) else {
                throw GitStoreError.invalidObject("malformed tree entry id")
            }
            out.append((mode, name, id))
            i = nul + 21
        }
        return out
    }
}

// MARK: commit parsing

/// The parts of a commit object the rebase carries over.
struct CommitInfo {
    var author: Signature
    var committer: Signature
    var authorLine: String
    var message: String

    /// Same author (name, email, time, zone) and message: a rebased copy of the same commit.
    var identity: String { authorLine + "\n" + message }

    static func parse(_ data: [UInt8]) throws -> CommitInfo {
        let text = String(decoding: data, as: UTF8.self)
        var author: (Signature, String)?
        var committer: Signature?
        var rest = Substring(text)
        var message = ""
        while true {
            guard let nl = rest.firstIndex(of: "\n") else {
                throw GitStoreError.invalidObject("commit without message separator")
            }
            let line = rest[..<nl]
            rest = rest[rest.index(after: nl)...]
            if line.isEmpty {
                message = String(rest)
                break
            }
            if line.hasPrefix("author ") {
                let v = String(line.dropFirst("author ".count))
                author = (try parseSignature(v), v)
            } else if line.hasPrefix("committer ") {
                committer = try parseSignature(String(line.dropFirst("committer ".count)))
            }
        }
        guard let a = author, let c = committer else {
            throw GitStoreError.invalidObject("commit without author or committer")
        }
        return CommitInfo(author: a.0, committer: c, authorLine: a.1, message: message)
    }

    /// `Name <email> 1700000000 +0130`.
    static func parseSignature(_ s: String) throws -> Signature {
        guard let lt = s.firstIndex(of: "<"), let gt = s[lt...].firstIndex(of: ">") else {
            throw GitStoreError.invalidObject("bad signature: \(s)")
        }
        var name = s[..<lt]
        while name.last == " " { name = name.dropLast() }
        let email = s[s.index(after: lt)..<gt]
        let tail = s[s.index(after: gt)...].split(separator: " ")
        guard tail.count == 2, let time = Int64(tail[0]) else {
            throw GitStoreError.invalidObject("bad signature time: \(s)")
        }
        let tz = Array(tail[1].utf8)
        guard tz.count == 5, tz[0] == UInt8(ascii: "+") || tz[0] == UInt8(ascii: "-"),
            let hh = Int(String(decoding: tz[1..<3], as: UTF8.self)),
            let mm = Int(String(decoding: tz[3..<5], as: UTF8.self))
        else {
            throw GitStoreError.invalidObject("bad signature zone: \(s)")
        }
        let offset = (hh * 60 + mm) * (tz[0] == UInt8(ascii: "-") ? -1 : 1)
        return Signature(name: String(name), email: String(email), time: time, offsetMinutes: offset)
    }
}

// MARK: UTC formatting (no Foundation)

/// `YYYY-MM-DDTHH-MM-SSZ` for unix seconds `t` (proleptic Gregorian calendar, UTC).
func utcStamp(_ t: Int64) -> String {
    var days = t / 86_400
    var secs = t % 86_400
    if secs < 0 {
        secs += 86_400
        days -= 1
    }
    func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
    func yearLength(_ y: Int64) -> Int64 { isLeap(y) ? 366 : 365 }
    var year: Int64 = 1970
    // Whole 400-year cycles (146097 days) first, then single years.
    let cycles = days / 146_097
    year += cycles * 400
    days -= cycles * 146_097
    while days < 0 {
        year -= 1
        days += yearLength(year)
    }
    while days >= yearLength(year) {
        days -= yearLength(year)
        year += 1
    }
    let monthLengths: [Int64] = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    var month = 0
    while days >= monthLengths[month] {
        days -= monthLengths[month]
        month += 1
    }
    func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let y =
        year < 0
        ? "-" + String(-year)
        : (year < 1000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year))
    return
        "\(y)-\(two(Int64(month + 1)))-\(two(days + 1))T\(two(secs / 3600))-\(two(secs % 3600 / 60))-\(two(secs % 60))Z"
}
