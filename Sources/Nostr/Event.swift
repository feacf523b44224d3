/// A NIP-01 event. Hex fields are lowercase: `id` and `pubkey` 64 characters, `sig` 128.
public struct NostrEvent: Hashable, Sendable {
    public var id: String
    public var pubkey: String
    public var createdAt: Int64
    public var kind: Int
    public var tags: [[String]]
    public var content: String
    public var sig: String

    public init(
        id: String, pubkey: String, createdAt: Int64, kind: Int, tags: [[String]],
        content: String, sig: String
    ) {
        self.id = id
        self.pubkey = pubkey
        self.createdAt = createdAt
        self.kind = kind
        self.tags = tags
        self.content = content
        self.sig = sig
    }

    /// First value of the first tag named `name` (`tagValue("d")`).
    public func tagValue(_ name: String) -> String? {
        for t in tags where t.count >= 2 && t[0] == name { return t[1] }
        return nil
    }

    /// Every value at position 1 of tags named `name`.
    public func tagValues(_ name: String) -> [String] {
        tags.compactMap { $0.count >= 2 && $0[0] == name ? $0[1] : nil }
    }

    /// The `d` tag, "" when absent (NIP-01: addressable events without `d` use "").
    public var dTag: String { tagValue("d") ?? "" }

    public var kindClass: KindClass { KindClass(kind) }

    /// The key that replaceable and addressable events replace each other by.
    public var replacementKey: ReplacementKey? {
        switch kindClass {
        case .replaceable: return ReplacementKey(kind: kind, pubkey: pubkey, d: "")
        case .addressable: return ReplacementKey(kind: kind, pubkey: pubkey, d: dTag)
        case .regular, .ephemeral: return nil
        }
    }

    /// NIP-01 tie-break: is `self` preferred over `other` for the same replacement key?
    /// Newer `created_at` wins; on equal `created_at` the lowest id wins.
    public func supersedes(_ other: NostrEvent) -> Bool {
        createdAt != other.createdAt ? createdAt > other.createdAt : id < other.id
    }
}

public enum KindClass: Equatable, Sendable {
    case regular, replaceable, ephemeral, addressable

    public init(_ kind: Int) {
        switch kind {
        case 0, 3, 10000..<20000: self = .replaceable
        case 20000..<30000: self = .ephemeral
        case 30000..<40000: self = .addressable
        default: self = .regular
        }
    }
}

/// (kind, pubkey, d) — the address of a replaceable or addressable event.
public struct ReplacementKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var kind: Int
    public var pubkey: String
    public var d: String
    public init(kind: Int, pubkey: String, d: String) {
        self.kind = kind
        self.pubkey = pubkey
        self.d = d
    }
    /// `kind:pubkey:d`, the form used in `a` tags.
    public var description: String { "\(kind):\(pubkey):\(d)" }
    public static func < (a: ReplacementKey, b: ReplacementKey) -> Bool {
        (a.kind, a.pubkey, a.d) < (b.kind, b.pubkey, b.d)
    }

    /// Parses `kind:pubkey:d` (d may contain ':').
    public init?(coordinate: String) {
        let parts = coordinate.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let k = Int(parts[0]), parts[1].count == 64 else { return nil }
        self.kind = k
        self.pubkey = String(parts[1])
        self.d = parts.count == 3 ? String(parts[2]) : ""
    }
}

/// Kinds used by GRASP (NIP-34, NIP-09).
public enum Kinds {
    public static let deletion = 5
    public static let repoAnnouncement = 30617
    public static let repoState = 30618
    public static let patch = 1617
    public static let pullRequest = 1618
    public static let pullRequestUpdate = 1619
    public static let issue = 1621
    public static let statusOpen = 1630
    public static let statusApplied = 1631
    public static let statusClosed = 1632
    public static let statusDraft = 1633
}
