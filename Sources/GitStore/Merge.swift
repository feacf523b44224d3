// Three-way merge of trees (libgit2 git_merge_trees), used by the upstream reconciler to
// replay commits during a rebase.
import CGit2

extension GitRepository {
    /// Merges the trees `ours` and `theirs` against their common `base` (nil: no common
    /// ancestor, i.e. the empty tree) with libgit2's merge machinery (file-content merge,
    /// rename detection as in `git merge`).
    ///
    /// Returns the merged root tree when the merge is clean (`conflicts` empty). When some
    /// paths conflict, `tree` is nil and `conflicts` lists the conflicting paths, sorted and
    /// without duplicates. Every object of a clean result (merged blobs, new trees) is
    /// stored in this repository.
    public func mergeTrees(base: ObjectID?, ours: ObjectID, theirs: ObjectID) throws
        -> (tree: ObjectID?, conflicts: [String])
    {
        let baseTree = try base.map { try lookupTree($0) }
        defer { if let t = baseTree { git_tree_free(t) } }
        let ourTree = try lookupTree(ours)
        defer { git_tree_free(ourTree) }
        let theirTree = try lookupTree(theirs)
        defer { git_tree_free(theirTree) }

        var opts = git_merge_options()
        try check(git_merge_options_init(&opts, UInt32(GIT_MERGE_OPTIONS_VERSION)))
        var indexPtr: OpaquePointer?
        try check(git_merge_trees(&indexPtr, repo, baseTree, ourTree, theirTree, &opts))
        guard let index = indexPtr else {
            throw GitStoreError.invalidObject("git_merge_trees returned no index")
        }
        defer { git_index_free(index) }

        if git_index_has_conflicts(index) != 0 {
            var iterPtr: OpaquePointer?
            try check(git_index_conflict_iterator_new(&iterPtr, index))
            defer { git_index_conflict_iterator_free(iterPtr) }
            var paths = Set<String>()
            while true {
                var a: UnsafePointer<git_index_entry>?
                var o: UnsafePointer<git_index_entry>?
                var t: UnsafePointer<git_index_entry>?
                let rc = git_index_conflict_next(&a, &o, &t, iterPtr)
                if rc == GIT_ITEROVER.rawValue { break }
                try check(rc)
                for entry in [a, o, t] {
                    if let e = entry, let p = e.pointee.path { paths.insert(String(cString: p)) }
                }
            }
            // Defensive: a conflicted index always names at least one path.
            if paths.isEmpty { paths.insert("") }
            return (nil, paths.sorted())
        }

        var out = git_oid()
        try check(git_index_write_tree_to(&out, index, repo))
        let merged = ObjectID(oid: out)
        try adoptObjects(reachableFromTree: merged)
        return (merged, [])
    }

    /// Parsed tree lookup; the caller frees it with git_tree_free.
    private func lookupTree(_ id: ObjectID) throws -> OpaquePointer {
        guard contains(id) else { throw GitStoreError.objectNotFound(id) }
        guard try objectType(id) == .tree else { throw GitStoreError.wrongObjectType(id, expected: .tree) }
        var oid = id.oid
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, repo, &oid))
        return tree!
    }

    /// libgit2 wrote merged blobs and trees straight into the object database; register
    /// every object of `tree` this repository does not know yet (the in-memory store keeps
    /// its own object table), reading it back raw and storing it through `write`.
    private func adoptObjects(reachableFromTree tree: ObjectID) throws {
        var stack: [(ObjectID, Bool)] = [(tree, true)]  // (id, isTree)
        var seen = Set<ObjectID>()
        while let (id, isTree) = stack.popLast() {
            if !seen.insert(id).inserted { continue }
            let known = contains(id)
            // A known blob needs nothing; a known tree's children are known too.
            if known { continue }
            let raw = try readFromDatabase(id)
            try write(raw.type, raw.data)
            guard isTree else { continue }
            var oid = id.oid
            var t: OpaquePointer?
            try check(git_tree_lookup(&t, repo, &oid))
            defer { git_tree_free(t) }
            let n = git_tree_entrycount(t)
            for i in 0..<n {
                guard let e = git_tree_entry_byindex(t, i) else { continue }
                let mode = git_tree_entry_filemode(e)
                if mode == GIT_FILEMODE_COMMIT { continue }
                stack.append((ObjectID(oid: git_tree_entry_id(e)), mode == GIT_FILEMODE_TREE))
            }
        }
    }
}
