// Canonical encodings of tree, commit and tag objects (what `git fsck --strict` accepts).
import CGit2

enum GitFormat {
    /// The git object id of `data` as an object of `type` (libgit2 hashing, nothing stored).
    static func hash(_ type: ObjectType, _ data: [UInt8]) throws -> ObjectID {
        var oid = git_oid()
        let rc: Int32 = data.withUnsafeBytes { buf in
            if let base = buf.baseAddress { return git_odb_hash(&oid, base, buf.count, type.git) }
            var empty: UInt8 = 0
            return git_odb_hash(&oid, &empty, 0, type.git)
        }
        try check(rc)
        return ObjectID(oid: oid)
    }

    static func validateEntryName(_ name: String) throws {
        let lower = name.lowercased()
        if name.isEmpty || name == "." || name == ".." || lower == ".git"
            || name.contains("/") || name.contains("\0")
        {
            throw GitStoreError.invalidObject("bad tree entry name: \(name.debugDescription)")
        }
    }

    /// Tree body: entries sorted git-style (a directory sorts as if its name ended in "/").
    static func tree(_ entries: [TreeEntry]) throws -> [UInt8] {
        var keyed: [(key: [UInt8], entry: TreeEntry)] = []
        keyed.reserveCapacity(entries.count)
        for e in entries {
            try validateEntryName(e.name)
            var key = Array(e.name.utf8)
            if e.mode == .directory { key.append(UInt8(ascii: "/")) }
            keyed.append((key, e))
        }
        keyed.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var seen = Set<String>()
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * 40)
        for (_, e) in keyed {
            guard seen.insert(e.name).inserted else {
                throw GitStoreError.invalidObject("duplicate tree entry: \(e.name)")
            }
            out.append(contentsOf: e.mode.octal.utf8)
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: e.name.utf8)
            out.append(0)
            out.append(contentsOf: e.id.bytes)
        }
        return out
    }

    static func commit(
        tree: ObjectID, parents: [ObjectID], message: String,
        author: Signature, committer: Signature
    ) throws -> [UInt8] {
        if message.contains("\0") { throw GitStoreError.invalidObject("commit message contains NUL") }
        var s = "tree \(tree.hex)\n"
        for p in parents { s += "parent \(p.hex)\n" }
        s += "author \(try author.formatted())\n"
        s += "committer \(try committer.formatted())\n"
        s += "\n"
        s += message
        return Array(s.utf8)
    }

    static func tag(
        target: ObjectID, targetType: ObjectType, name: String, message: String,
        tagger: Signature
    ) throws -> [UInt8] {
        if message.contains("\0") { throw GitStoreError.invalidObject("tag message contains NUL") }
        var s = "object \(target.hex)\n"
        s += "type \(targetType.rawValue)\n"
        s += "tag \(name)\n"
        s += "tagger \(try tagger.formatted())\n"
        s += "\n"
        s += message
        return Array(s.utf8)
    }
}

/// Micro-benchmark entry point for the in-memory object store.
public enum GitBench {
    /// Makes `count` chained commits (each changing README.md, sharing src/lib.txt) in one
    /// in-memory repository, points refs/heads/main at the last one, checks it is complete and
    /// returns the number of objects stored (3 * count + 2 for count > 0).
    public static func commits(count: Int) throws -> Int {
        let repo = try GitRepository.inMemory()
        var parents: [ObjectID] = []
        for i in 0..<count {
            let c = try repo.commit(
                files: ["README.md": "revision \(i)\n", "src/lib.txt": "shared\n"],
                parents: parents, message: "commit \(i)",
                time: 1_700_000_000 + Int64(i))
            parents = [c]
        }
        if let tip = parents.first {
            try repo.setRef("refs/heads/main", tip)
            guard repo.isComplete([tip]) else {
                throw GitStoreError.invalidObject("benchmark history incomplete")
            }
        }
        return try repo.objectCount()
    }
}
