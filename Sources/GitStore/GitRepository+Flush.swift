import Foundation

extension GitRepository {
    /// Writes every object, every ref (removing refs the target has and this repository has
    /// not) and HEAD into a bare repository at `path`, created when needed.
    public func flush(toBareRepositoryAt path: String) throws {
        if let own = self.path, own == path { return }
        let target = try GitRepository.openOrCreateBare(path: path)
        for id in try allObjectIDs() where !target.contains(id) {
            let o = try read(id)
            try target.write(o.type, o.data)
        }
        let mine = refs
        let mineNames = Set(mine.map(\.name))
        for r in target.refs where !mineNames.contains(r.name) {
            try target.deleteRef(r.name)
        }
        for r in mine { try target.setRef(r.name, r.id) }
        try target.setHead(head)
    }
}
