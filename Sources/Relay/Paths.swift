import Nostr

/// `/<npub>/<identifier>.git` (optionally followed by `/info/refs`, `/git-receive-pack`…)
/// → the repository key, or nil when the path names no repository.
public func parseRepoPath(_ path: String) -> RepoKey? {
    var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    guard parts.count >= 2 else { return nil }
    if let i = parts.firstIndex(where: { $0.hasSuffix(".git") }) { parts = Array(parts[...i]) }
    guard parts.count == 2, parts[1].hasSuffix(".git") else { return nil }
    let d = String(parts[1].dropLast(4))
    guard !d.isEmpty, let owner = try? PublicKey.hex(fromNpub: parts[0]) else { return nil }
    return RepoKey(owner: owner, d: d)
}

/// The path of a repository: `/<npub>/<identifier>.git`.
public func repoPath(_ key: RepoKey) -> String {
    "/\((try? PublicKey.npub(fromHex: key.owner)) ?? key.owner)/\(key.d).git"
}
