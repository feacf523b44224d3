import CGit2

/// What a repository's objects reach: walks from tips, completeness, missing objects, packs.
extension GitRepository {
    // MARK: reachability

    /// Walks everything reachable from `starts`, skipping ids already in `visited` (and adding
    /// every id it reaches to it). Present objects are reported to `present`, absent or
    /// unreadable ones to `missing`. Never throws: a missing object simply ends that branch.
    /// Objects in `complete` are neither reported nor walked (their closure is known present).
    private func walk(
        _ starts: [ObjectID], visited: inout Set<ObjectID>, complete: Set<ObjectID> = [],
        present: (ObjectID) -> Void, missing: (ObjectID) -> Void
    ) {
        // Stack of (id, known type); nil type means "look it up".
        var stack: [(ObjectID, ObjectType?)] = starts.reversed().map { ($0, nil) }
        while let (id, hint) = stack.popLast() {
            if !complete.isEmpty, complete.contains(id) { continue }
            if !visited.insert(id).inserted { continue }
            if hint == .blob {
                if contains(id) { present(id) } else { missing(id) }
                continue
            }
            if isInMemory && !memObjects.contains(id) {
                missing(id)
                continue
            }
            var oid = id.oid
            var objPtr: OpaquePointer?
            guard git_object_lookup(&objPtr, repo, &oid, GIT_OBJECT_ANY) == 0, let obj = objPtr else {
                missing(id)
                continue
            }
            present(id)
            switch git_object_type(obj) {
            case GIT_OBJECT_COMMIT:
                let n = git_commit_parentcount(obj)
                var i = n
                while i > 0 {
                    i -= 1
                    stack.append((ObjectID(oid: git_commit_parent_id(obj, i)), .commit))
                }
                stack.append((ObjectID(oid: git_commit_tree_id(obj)), .tree))
            case GIT_OBJECT_TREE:
                var i = git_tree_entrycount(obj)
                while i > 0 {
                    i -= 1
                    guard let entry = git_tree_entry_byindex(obj, i) else { continue }
                    let mode = git_tree_entry_filemode(entry)
                    if mode == GIT_FILEMODE_COMMIT { continue }  // submodule: lives in another repo
                    let child = ObjectID(oid: git_tree_entry_id(entry))
                    stack.append((child, mode == GIT_FILEMODE_TREE ? .tree : .blob))
                }
            case GIT_OBJECT_TAG:
                stack.append((ObjectID(oid: git_tag_target_id(obj)), ObjectType(git_tag_target_type(obj))))
            default:
                break
            }
            git_object_free(obj)
        }
    }

    /// Objects reachable from `tips` (commits -> parents + tree, trees -> entries, tags -> target)
    /// that this repository lacks, sorted by hex. An absent tip is itself missing.
    public func missingObjects(reachableFrom tips: [ObjectID]) -> [ObjectID] {
        var visited = Set<ObjectID>()
        var missing: [ObjectID] = []
        // On disk other programs may remove objects: only memory remembers complete ones.
        let memo = isInMemory && remembersCompleteObjects
        walk(
            tips, visited: &visited, complete: memo ? completeClosure : [], present: { _ in },
            missing: { missing.append($0) })
        // Nothing missing: everything walked has its whole closure present.
        if memo, missing.isEmpty { completeClosure.formUnion(visited) }
        return missing.sorted()
    }

    public func isComplete(_ tips: [ObjectID]) -> Bool {
        missingObjects(reachableFrom: tips).isEmpty
    }

    /// Every object reachable from `tips`, sorted by hex; throws objectNotFound for the
    /// lowest missing one.
    public func reachableObjects(from tips: [ObjectID]) throws -> [ObjectID] {
        var visited = Set<ObjectID>()
        var found: [ObjectID] = []
        var missing: [ObjectID] = []
        walk(tips, visited: &visited, present: { found.append($0) }, missing: { missing.append($0) })
        if let m = missing.min() { throw GitStoreError.objectNotFound(m) }
        return found.sorted()
    }

    /// What a push or fetch carries: every object reachable from `tips` minus everything
    /// reachable from `haves`, sorted by id. Haves this repository lacks are not walked (their
    /// ancestry is unknown here) but are themselves left out of the pack. Throws
    /// objectNotFound when something the pack needs is absent.
    public func pack(tips: [ObjectID], haves: [ObjectID]) throws -> Pack {
        var visited = Set<ObjectID>()
        var localHaves: [ObjectID] = []
        for h in haves {
            if contains(h) { localHaves.append(h) } else { visited.insert(h) }
        }
        walk(localHaves, visited: &visited, present: { _ in }, missing: { _ in })
        var needed: [ObjectID] = []
        var missing: [ObjectID] = []
        walk(tips, visited: &visited, present: { needed.append($0) }, missing: { missing.append($0) })
        if let m = missing.min() { throw GitStoreError.objectNotFound(m) }
        needed.sort()
        return Pack(objects: try needed.map { try read($0) })
    }

    /// Stores the objects of `pack` after checking that each one hashes to its id (nothing is
    /// written when any does not). Returns how many objects were new.
    @discardableResult
    public func receive(_ pack: Pack) throws -> Int {
        for o in pack.objects {
            let actual = try GitFormat.hash(o.type, o.data)
            if actual != o.id {
                throw GitStoreError.invalidObject("\(o.type.rawValue) \(o.id.hex) hashes to \(actual.hex)")
            }
        }
        var new = 0
        for o in pack.objects where !contains(o.id) {
            try write(o.type, o.data)
            new += 1
        }
        return new
    }

    /// Every object id in the store, sorted.
    public func allObjectIDs() throws -> [ObjectID] {
        if isInMemory { return memObjects.sorted() }
        final class Box { var ids = Set<ObjectID>() }
        let box = Box()
        let rc = withExtendedLifetime(box) { () -> Int32 in
            git_odb_foreach(
                odb,
                { oid, payload in
                    guard let oid, let payload else { return -1 }
                    Unmanaged<Box>.fromOpaque(payload).takeUnretainedValue().ids.insert(ObjectID(oid: oid))
                    return 0
                }, Unmanaged.passUnretained(box).toOpaque())
        }
        try check(rc)
        return box.ids.sorted()
    }

    /// Number of objects in the store.
    public func objectCount() throws -> Int {
        if isInMemory { return memObjects.count }
        return try allObjectIDs().count
    }
}
