import Foundation

/// Building trees from a path → content map (scenario commits).
extension GitRepository {
    /// Writes blobs and trees for `files` and returns the root tree id.
    public func writeFileTree(_ files: [String: String]) throws -> ObjectID {
        var root = DirNode()
        for path in files.keys.sorted() {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard !parts.isEmpty, !parts.contains(where: { $0.isEmpty }) else {
                throw GitStoreError.invalidObject("bad file path: \(path)")
            }
            try root.insert(parts[...], content: files[path]!, fullPath: path)
        }
        return try writeDir(root)
    }

    func writeDir(_ node: DirNode) throws -> ObjectID {
        var entries: [TreeEntry] = []
        for name in node.files.keys.sorted() {
            entries.append(TreeEntry(name: name, id: try writeBlob(node.files[name]!), mode: .file))
        }
        for name in node.dirs.keys.sorted() {
            entries.append(TreeEntry(name: name, id: try writeDir(node.dirs[name]!), mode: .directory))
        }
        return try writeTree(entries)
    }
}

/// Path tree used by `writeFileTree`.
struct DirNode {
    var files: [String: String] = [:]
    var dirs: [String: DirNode] = [:]

    mutating func insert(_ parts: ArraySlice<String>, content: String, fullPath: String) throws {
        let name = parts.first!
        if parts.count == 1 {
            if dirs[name] != nil { throw GitStoreError.invalidObject("path is both file and directory: \(fullPath)") }
            files[name] = content
        } else {
            if files[name] != nil { throw GitStoreError.invalidObject("path is both file and directory: \(fullPath)") }
            try dirs[name, default: DirNode()].insert(parts.dropFirst(), content: content, fullPath: fullPath)
        }
    }
}
