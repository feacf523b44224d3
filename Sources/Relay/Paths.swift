import Foundation
import Nostr

/// `/<npub>/<identifier>.git` (optionally followed by `/info/refs`, `/git-receive-pack`…)
/// → the repository key, or nil when the path names no repository.
public func parseRepoPath(_ path: String) -> RepoKey? {
    // Keyed on the path's bytes: String equality is canonical equivalence, and the key a
    // path parses to keeps its bytes.
    let bytes = PathBytes(bytes: Array(path.utf8))
    if let known = repoPathMemo.value(for: bytes) { return known }
    let key = parseRepoPathUncached(path)
    repoPathMemo.remember(key, for: bytes)
    return key
}

/// Paths already parsed (a pure function; every git request parses its path, and decoding
/// the npub was a percent of a lock scenario).
let repoPathMemo = BoundedMemo<PathBytes, RepoKey?>(capacity: 1_024)

/// A path's bytes as a memo key, hashed in one call (an `[UInt8]` hashes byte by byte).
struct PathBytes: Hashable, Sendable {
    var bytes: [UInt8]
    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
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
