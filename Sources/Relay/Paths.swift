import Foundation
import Nostr
import Synchronization

/// `/<npub>/<identifier>.git` (optionally followed by `/info/refs`, `/git-receive-pack`…)
/// → the repository key, or nil when the path names no repository.
public func parseRepoPath(_ path: String) -> RepoKey? {
    if let known = RepoPathMemo.known.withLock({ $0[path] }) { return known }
    let key = parseRepoPathUncached(path)
    RepoPathMemo.known.withLock { memo in
        if memo.count >= RepoPathMemo.capacity { memo.removeAll(keepingCapacity: true) }
        memo[path] = .some(key)
    }
    return key
}

/// Paths already parsed (a pure function; every git request parses its path, and decoding
/// the npub was a percent of a lock scenario). Process-wide and bounded: past `capacity`
/// entries it starts over.
enum RepoPathMemo {
    static let capacity = 1_024
    static let known = Mutex<[String: RepoKey?]>([:])
}

func parseRepoPathUncached(_ path: String) -> RepoKey? {
    var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    guard parts.count >= 2 else { return nil }
    if let i = parts.firstIndex(where: { $0.hasSuffix(".git") }) { parts = Array(parts[...i]) }
    guard parts.count == 2, parts[1].hasSuffix(".git") else { return nil }
    // The identifier is percent-encoded in the path (GRASP-01); a decoded one that could
    // name another place on disk (`..`, a `/`, a NUL) names no repository.
    guard let d = String(parts[1].dropLast(4)).removingPercentEncoding,
        !d.isEmpty, d != ".", d != "..", !d.contains("/"), !d.contains("\0"),
        let owner = try? PublicKey.hex(fromNpub: parts[0])
    else { return nil }
    return RepoKey(owner: owner, d: d)
}

/// The path of a repository: `/<npub>/<percent-encoded identifier>.git`.
public func repoPath(_ key: RepoKey) -> String {
    "/\((try? PublicKey.npub(fromHex: key.owner)) ?? key.owner)/\(encodeIdentifier(key.d)).git"
}

/// An identifier as a path segment: every byte outside RFC 3986's unreserved set
/// percent-encoded (so `/`, `%` and spaces cannot change the path; `.` and `..` are not
/// identifiers `parseRepoPath` accepts).
public func encodeIdentifier(_ d: String) -> String {
    var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    allowed.insert(charactersIn: "-._~")
    return d.addingPercentEncoding(withAllowedCharacters: allowed) ?? d
}
