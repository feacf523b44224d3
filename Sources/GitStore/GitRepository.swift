// A git object store plus refs, backed by libgit2: either fully in memory (mempack
// object backend, refs in a Swift table) or a bare repository on disk.
import CGit2

public final class GitRepository {
    let repo: OpaquePointer
    let odb: OpaquePointer
    public let isInMemory: Bool
    /// Directory of the bare repository; nil when in memory.
    public let path: String?

    // In-memory state (unused on disk).
    var memObjects: Set<ObjectID> = []
    /// In memory, objects whose whole closure was found present. Objects are never removed
    /// from memory and an object's closure is fixed by its content, so this only grows:
    /// `missingObjects` walks no further below them (tests turn it off to compare).
    var completeClosure: Set<ObjectID> = []
    var remembersCompleteObjects = true
    private var memRefs: [String: ObjectID] = [:] {
        didSet {
            memRefsVersion &+= 1
            refsClock?.tick()
        }
    }
    private var memRefsVersion = 0
    /// Shared by every repository of one storage: ticks on any of their ref changes.
    private var refsClock: RefsClock?
    /// Changes whenever an in-memory repository's refs change (every change goes through
    /// this object); nil on disk, where other programs may move refs unseen.
    public var refsVersion: Int? { isInMemory ? memRefsVersion : nil }
    private var memHead = GitRepository.defaultHead

    public static let defaultHead = "refs/heads/main"

    private init(repo: OpaquePointer, odb: OpaquePointer, path: String?) {
        self.repo = repo
        self.odb = odb
        self.path = path
        self.isInMemory = path == nil
    }

    deinit {
        git_repository_free(repo)
        git_odb_free(odb)
    }

    /// A repository with no files: objects in a libgit2 mempack backend, refs and HEAD in Swift.
    public static func inMemory(refsClock: RefsClock? = nil) throws -> GitRepository {
        _ = LibGit2.ready
        var odb: OpaquePointer?
        try check(git_odb_new(&odb))
        var backend: UnsafeMutablePointer<git_odb_backend>?
        var rc = git_mempack_new(&backend)
        if rc < 0 {
            let e = GitStoreError.last(rc)
            git_odb_free(odb)
            throw e
        }
        rc = git_odb_add_backend(odb, backend, 1)
        if rc < 0 {
            let e = GitStoreError.last(rc)
            backend?.pointee.free(backend)
            git_odb_free(odb)
            throw e
        }
        var repo: OpaquePointer?
        rc = git_repository_new(&repo)
        if rc < 0 {
            let e = GitStoreError.last(rc)
            git_odb_free(odb)
            throw e
        }
        rc = git_repository_set_odb(repo, odb)
        if rc < 0 {
            let e = GitStoreError.last(rc)
            git_repository_free(repo)
            git_odb_free(odb)
            throw e
        }
        let made = GitRepository(repo: repo!, odb: odb!, path: nil)
        made.refsClock = refsClock
        return made
    }

    /// Opens the bare repository at `path`, creating it (HEAD -> refs/heads/main) when absent.
    public static func openOrCreateBare(path: String) throws -> GitRepository {
        _ = LibGit2.ready
        var repo: OpaquePointer?
        var rc = git_repository_open_bare(&repo, path)
        if rc == gitNotFound {
            rc = git_repository_init(&repo, path, 1)
            try check(rc)
            var ref: OpaquePointer?
            rc = git_reference_symbolic_create(&ref, repo, "HEAD", defaultHead, 1, nil)
            git_reference_free(ref)
            if rc < 0 {
                let e = GitStoreError.last(rc)
                git_repository_free(repo)
                throw e
            }
        } else {
            try check(rc)
        }
        var odb: OpaquePointer?
        rc = git_repository_odb(&odb, repo)
        if rc < 0 {
            let e = GitStoreError.last(rc)
            git_repository_free(repo)
            throw e
        }
        return GitRepository(repo: repo!, odb: odb!, path: path)
    }

    // MARK: objects

    public func contains(_ id: ObjectID) -> Bool {
        if isInMemory { return memObjects.contains(id) }
        var oid = id.oid
        return git_odb_exists(odb, &oid) == 1
    }

    public func read(_ id: ObjectID) throws -> RawObject {
        if isInMemory && !memObjects.contains(id) { throw GitStoreError.objectNotFound(id) }
        return try readFromDatabase(id)
    }

    /// Reads an object from libgit2's object database, bypassing the in-memory table.
    func readFromDatabase(_ id: ObjectID) throws -> RawObject {
        var oid = id.oid
        var obj: OpaquePointer?
        let rc = git_odb_read(&obj, odb, &oid)
        if rc == gitNotFound { throw GitStoreError.objectNotFound(id) }
        try check(rc)
        defer { git_odb_object_free(obj) }
        guard let type = ObjectType(git_odb_object_type(obj)) else {
            throw GitStoreError.invalidObject("unsupported object type for \(id.hex)")
        }
        let size = git_odb_object_size(obj)
        let data = size == 0 ? [] : Array(UnsafeRawBufferPointer(start: git_odb_object_data(obj), count: size))
        return RawObject(id: id, type: type, data: data)
    }

    /// The object's type without reading its body.
    public func objectType(_ id: ObjectID) throws -> ObjectType {
        if isInMemory && !memObjects.contains(id) { throw GitStoreError.objectNotFound(id) }
        var oid = id.oid
        var len = 0
        var t = GIT_OBJECT_INVALID
        let rc = git_odb_read_header(&len, &t, odb, &oid)
        if rc == gitNotFound { throw GitStoreError.objectNotFound(id) }
        try check(rc)
        guard let type = ObjectType(t) else {
            throw GitStoreError.invalidObject("unsupported object type for \(id.hex)")
        }
        return type
    }

    /// Stores `data` as an object of `type` (no validation of its content) and returns its id.
    @discardableResult
    public func write(_ type: ObjectType, _ data: [UInt8]) throws -> ObjectID {
        var oid = git_oid()
        let rc: Int32 = data.withUnsafeBytes { buf in
            if let base = buf.baseAddress {
                return git_odb_write(&oid, odb, base, buf.count, type.git)
            }
            var empty: UInt8 = 0
            return git_odb_write(&oid, odb, &empty, 0, type.git)
        }
        try check(rc)
        let id = ObjectID(oid: oid)
        if isInMemory { memObjects.insert(id) }
        return id
    }

    public func writeBlob(_ content: String) throws -> ObjectID {
        try write(.blob, Array(content.utf8))
    }

    /// Writes a tree; entries are sorted git-style (directories compare as `name/`).
    public func writeTree(_ entries: [TreeEntry]) throws -> ObjectID {
        try write(.tree, GitFormat.tree(entries))
    }

    /// Writes a commit. `message` is stored verbatim.
    public func writeCommit(
        tree: ObjectID, parents: [ObjectID], message: String,
        author: Signature, committer: Signature
    ) throws -> ObjectID {
        try write(
            .commit,
            GitFormat.commit(
                tree: tree, parents: parents, message: message,
                author: author, committer: committer))
    }

    /// Builds blobs and nested trees from `files` (paths like "src/a.txt" -> content) and a
    /// commit on top of `parents`. author = committer = GraspSim at `time`. A trailing newline
    /// is added to `message` when it has none.
    public func commit(
        files: [String: String], parents: [ObjectID], message: String,
        time: Int64
    ) throws -> ObjectID {
        let sig = Signature(name: "GraspSim", email: "sim@graspsim.invalid", time: time)
        let tree = try writeFileTree(files)
        let msg = message.hasSuffix("\n") ? message : message + "\n"
        return try writeCommit(tree: tree, parents: parents, message: msg, author: sig, committer: sig)
    }

    public func writeAnnotatedTag(
        target: ObjectID, targetType: ObjectType, name: String,
        message: String, tagger: Signature
    ) throws -> ObjectID {
        guard isValidRefName("refs/tags/" + name) else { throw GitStoreError.invalidRefName(name) }
        return try write(
            .tag,
            GitFormat.tag(
                target: target, targetType: targetType, name: name,
                message: message, tagger: tagger))
    }

    /// Looks up a parsed object of the given type; the caller frees it with git_object_free.
    private func lookup(_ id: ObjectID, _ type: ObjectType) throws -> OpaquePointer {
        if isInMemory && !memObjects.contains(id) { throw GitStoreError.objectNotFound(id) }
        var oid = id.oid
        var obj: OpaquePointer?
        let rc = git_object_lookup(&obj, repo, &oid, type.git)
        if rc == gitNotFound {
            if contains(id) { throw GitStoreError.wrongObjectType(id, expected: type) }
            throw GitStoreError.objectNotFound(id)
        }
        if rc == GIT_EINVALIDSPEC.rawValue { throw GitStoreError.wrongObjectType(id, expected: type) }
        try check(rc)
        return obj!
    }

    public func parents(of commit: ObjectID) throws -> [ObjectID] {
        let c = try lookup(commit, .commit)
        defer { git_object_free(c) }
        let n = git_commit_parentcount(c)
        return (0..<n).map { ObjectID(oid: git_commit_parent_id(c, $0)) }
    }

    /// The root tree of a commit.
    public func tree(of commit: ObjectID) throws -> ObjectID {
        let c = try lookup(commit, .commit)
        defer { git_object_free(c) }
        return ObjectID(oid: git_commit_tree_id(c))
    }

    /// Follows annotated tags until a non-tag object; returns `id` itself for non-tags.
    public func peel(_ id: ObjectID) throws -> ObjectID {
        var cur = id
        var hops = 0
        while try objectType(cur) == .tag {
            let t = try lookup(cur, .tag)
            cur = ObjectID(oid: git_tag_target_id(t))
            git_object_free(t)
            hops += 1
            if hops > 100 { throw GitStoreError.invalidObject("tag chain too long at \(id.hex)") }
        }
        return cur
    }

    /// True when `ancestor` is reachable from `descendant` through parent links, or equal to it.
    public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws -> Bool {
        if ancestor == descendant { return true }
        try requireCommit(ancestor)
        try requireCommit(descendant)
        var a = ancestor.oid
        var d = descendant.oid
        let rc = git_graph_descendant_of(repo, &d, &a)
        try check(rc)
        return rc == 1
    }

    /// Best common ancestor of two commits, nil when their histories are disjoint.
    public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws -> ObjectID? {
        try requireCommit(a)
        try requireCommit(b)
        var out = git_oid()
        var ao = a.oid
        var bo = b.oid
        let rc = git_merge_base(&out, repo, &ao, &bo)
        if rc == gitNotFound { return nil }
        try check(rc)
        return ObjectID(oid: out)
    }

    private func requireCommit(_ id: ObjectID) throws {
        let t = try objectType(id)
        if t != .commit { throw GitStoreError.wrongObjectType(id, expected: .commit) }
    }

    // MARK: refs

    /// A full ref name: under `refs/` and accepted by git_reference_name_is_valid.
    public func isValidRefName(_ name: String) -> Bool {
        guard name.hasPrefix("refs/") else { return false }
        var valid: Int32 = 0
        return git_reference_name_is_valid(&valid, name) == 0 && valid == 1
    }

    /// All refs (not HEAD), sorted by name. Symbolic refs appear resolved.
    public var refs: [(name: String, id: ObjectID)] {
        if isInMemory {
            return memRefs.keys.sorted().map { ($0, memRefs[$0]!) }
        }
        var out: [(name: String, id: ObjectID)] = []
        var iter: OpaquePointer?
        guard git_reference_iterator_new(&iter, repo) == 0 else { return [] }
        defer { git_reference_iterator_free(iter) }
        var names: [String] = []
        var namePtr: UnsafePointer<CChar>?
        while git_reference_next_name(&namePtr, iter) == 0, let p = namePtr {
            names.append(String(cString: p))
        }
        for name in names.sorted() where name.hasPrefix("refs/") {
            var oid = git_oid()
            if git_reference_name_to_id(&oid, repo, name) == 0 {
                out.append((name, ObjectID(oid: oid)))
            }
        }
        return out
    }

    /// The id a ref points at; "HEAD" resolves through the symbolic HEAD.
    public func ref(_ name: String) -> ObjectID? {
        if isInMemory {
            if name == "HEAD" { return memRefs[memHead] }
            return memRefs[name]
        }
        var oid = git_oid()
        guard git_reference_name_to_id(&oid, repo, name) == 0 else { return nil }
        return ObjectID(oid: oid)
    }

    /// Creates or moves a ref. The target need not be present (callers check completeness).
    public func setRef(_ name: String, _ id: ObjectID) throws {
        guard isValidRefName(name) else { throw GitStoreError.invalidRefName(name) }
        guard !id.isZero else { throw GitStoreError.invalidObject("ref \(name) cannot point at the zero id") }
        if isInMemory {
            if memRefs[name] == nil {
                // Same directory/file rule as on disk: refs/a and refs/a/b cannot coexist.
                let prefix = name + "/"
                for existing in memRefs.keys where existing.hasPrefix(prefix) || name.hasPrefix(existing + "/") {
                    throw GitStoreError.invalidRefName(name)
                }
            }
            memRefs[name] = id
            return
        }
        var oid = id.oid
        var ref: OpaquePointer?
        let rc = git_reference_create(&ref, repo, name, &oid, 1, nil)
        git_reference_free(ref)
        try check(rc)
    }

    /// Removes a ref; removing an absent ref is a no-op.
    public func deleteRef(_ name: String) throws {
        guard isValidRefName(name) else { throw GitStoreError.invalidRefName(name) }
        if isInMemory {
            memRefs[name] = nil
            return
        }
        let rc = git_reference_remove(repo, name)
        if rc == gitNotFound { return }
        try check(rc)
    }

    /// HEAD's symbolic target (default "refs/heads/main"); a detached on-disk HEAD gives its hex.
    public var head: String {
        if isInMemory { return memHead }
        var ref: OpaquePointer?
        guard git_reference_lookup(&ref, repo, "HEAD") == 0 else { return GitRepository.defaultHead }
        defer { git_reference_free(ref) }
        if git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC, let t = git_reference_symbolic_target(ref) {
            return String(cString: t)
        }
        if let oid = git_reference_target(ref) { return ObjectID(oid: oid).hex }
        return GitRepository.defaultHead
    }

    public func setHead(_ target: String) throws {
        guard isValidRefName(target) else { throw GitStoreError.invalidRefName(target) }
        if isInMemory {
            memHead = target
            return
        }
        var ref: OpaquePointer?
        let rc = git_reference_symbolic_create(&ref, repo, "HEAD", target, 1, nil)
        git_reference_free(ref)
        try check(rc)
    }

}

/// A counter that in-memory repositories tick whenever their refs change. A storage hands
/// one to all of its repositories, so "did any ref of any repository change since then?"
/// is one comparison instead of a walk over every repository.
public final class RefsClock {
    public private(set) var ticks = 0
    public init() {}
    func tick() { ticks &+= 1 }
}
