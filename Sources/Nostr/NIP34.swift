/// Why an event could not be read as a NIP-34 / NIP-09 view.
public enum NIP34Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The event's kind is not one the view accepts (`expected` lists them).
    case wrongKind(expected: [Int], got: Int)
    /// A tag the view requires is absent or empty.
    case missingTag(String)

    public var description: String {
        switch self {
        case .wrongKind(let e, let g): return "kind \(g) is not \(e.map(String.init).joined(separator: "/"))"
        case .missingTag(let t): return "missing '\(t)' tag"
        }
    }
}

/// `30617:<owner>:<identifier>`, the `a`-tag coordinate of a repository announcement.
public func repoCoordinate(owner: String, identifier: String) -> String {
    "\(Kinds.repoAnnouncement):\(owner):\(identifier)"
}

/// The identifier in a repository announcement's coordinate (`30617:<owner>:<identifier>`);
/// nil for any other coordinate, and when owner or identifier is empty.
public func repoIdentifier(inCoordinate coordinate: String) -> String? {
    let parts = coordinate.split(separator: ":", maxSplits: 2)
    return parts.count == 3 && parts[0] == "\(Kinds.repoAnnouncement)" ? String(parts[2]) : nil
}

extension NostrEvent {
    /// Every value after the name of every tag named `name`, in order:
    /// `["clone","u1","u2"], ["clone","u3"]` → `[u1, u2, u3]`.
    public func allTagValues(_ name: String) -> [String] {
        var out = [String]()
        for t in tags where t.count >= 2 && t[0] == name { out.append(contentsOf: t[1...]) }
        return out
    }

    /// Value of the first `e` tag whose marker (position 3) is `marker`.
    public func markedTagValue(_ name: String, marker: String) -> String? {
        for t in tags where t.count >= 4 && t[0] == name && t[3] == marker { return t[1] }
        return nil
    }
}

private func requireKind(_ e: NostrEvent, _ kinds: [Int]) throws(NIP34Error) {
    guard kinds.contains(e.kind) else { throw .wrongKind(expected: kinds, got: e.kind) }
}

private func requireD(_ e: NostrEvent) throws(NIP34Error) -> String {
    guard let d = e.tagValue("d"), !d.isEmpty else { throw .missingTag("d") }
    return d
}

/// Kind 30617: a repository announcement.
public struct RepoAnnouncement: Hashable, Sendable {
    public let event: NostrEvent
    /// The author (the repository owner).
    public var owner: String { event.pubkey }
    /// The `d` tag (required, non-empty).
    public let identifier: String
    /// The `name` tag.
    public let name: String?
    /// The `description` tag.
    public let description: String?
    /// All values of all `clone` tags, in order.
    public let cloneURLs: [String]
    /// All values of all `relays` tags, in order.
    public let relayURLs: [String]
    /// All values of all `web` tags, in order.
    public let webURLs: [String]
    /// All values of all `maintainers` tags, in order (the owner is not added).
    public let maintainers: [String]
    /// The earliest unique commit, from `["r", <commit>, "euc"]`.
    public let eucCommit: String?

    public init(_ event: NostrEvent) throws(NIP34Error) {
        try requireKind(event, [Kinds.repoAnnouncement])
        self.event = event
        identifier = try requireD(event)
        name = event.tagValue("name")
        description = event.tagValue("description")
        cloneURLs = event.allTagValues("clone")
        relayURLs = event.allTagValues("relays")
        webURLs = event.allTagValues("web")
        maintainers = event.allTagValues("maintainers")
        eucCommit = event.tags.first { $0.count >= 3 && $0[0] == "r" && $0[2] == "euc" }?[1]
    }

    /// `30617:<owner>:<identifier>`.
    public var coordinate: String { repoCoordinate(owner: owner, identifier: identifier) }
    /// The (kind, owner, d) replacement key.
    public var key: ReplacementKey { ReplacementKey(kind: Kinds.repoAnnouncement, pubkey: owner, d: identifier) }
}

/// Kind 30618: the refs a repository should have.
public struct RepoState: Sendable {
    public let event: NostrEvent
    /// The `d` tag (required, non-empty).
    public let identifier: String
    /// One entry per `refs/…` tag, sorted by name; peeled `^{}` entries are ignored and a
    /// repeated ref name keeps its first value.
    public let refs: [(name: String, oid: String)]
    /// The symbolic target of `["HEAD", "ref: <target>"]`, e.g. `refs/heads/main`.
    public let head: String?

    public init(_ event: NostrEvent) throws(NIP34Error) {
        try requireKind(event, [Kinds.repoState])
        self.event = event
        identifier = try requireD(event)
        var seen = Set<String>()
        var list = [(name: String, oid: String)]()
        for t in event.tags where t.count >= 2 && t[0].hasPrefix("refs/") && !t[0].hasSuffix("^{}") {
            if seen.insert(t[0]).inserted { list.append((t[0], t[1])) }
        }
        list.sort { $0.name < $1.name }
        refs = list
        if let h = event.tagValue("HEAD"), h.hasPrefix("ref: ") {
            let target = String(h.dropFirst(5)).trimmingASCIIWhitespace()
            head = target.isEmpty ? nil : target
        } else {
            head = nil
        }
    }

    /// The refs as a dictionary (ref name → oid).
    public var refMap: [String: String] {
        var m = [String: String]()
        for r in refs { m[r.name] = r.oid }
        return m
    }

    /// `refs/heads/*` entries only, sorted by name.
    public var branches: [(name: String, oid: String)] { refs.filter { $0.name.hasPrefix("refs/heads/") } }
    /// `refs/tags/*` entries only, sorted by name.
    public var tags: [(name: String, oid: String)] { refs.filter { $0.name.hasPrefix("refs/tags/") } }
    /// The (kind, author, d) replacement key.
    public var key: ReplacementKey { ReplacementKey(kind: Kinds.repoState, pubkey: event.pubkey, d: identifier) }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isWS: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isWS($0) }), let end = lastIndex(where: { !isWS($0) }) else { return "" }
        return String(self[start...end])
    }
}

/// Kind 1618: a pull request.
public struct PullRequest: Hashable, Sendable {
    public let event: NostrEvent
    /// Repository coordinates from `a` tags (`30617:<owner>:<d>`).
    public let repoCoordinates: [String]
    /// The tip commit (`c`).
    public let tipCommit: String?
    /// All values of all `clone` tags.
    public let cloneURLs: [String]
    /// `branch-name` tag.
    public let branchName: String?
    /// `merge-base` tag.
    public let mergeBase: String?
    /// `subject` tag.
    public let subject: String?

    public init(_ event: NostrEvent) throws(NIP34Error) {
        try requireKind(event, [Kinds.pullRequest])
        self.event = event
        repoCoordinates = event.tagValues("a")
        tipCommit = event.tagValue("c")
        cloneURLs = event.allTagValues("clone")
        branchName = event.tagValue("branch-name")
        mergeBase = event.tagValue("merge-base")
        subject = event.tagValue("subject")
    }

    /// Parsed `a` coordinates (unparseable ones skipped).
    public var repoKeys: [ReplacementKey] { repoCoordinates.compactMap { ReplacementKey(coordinate: $0) } }
}

/// Kind 1619: an update to a pull request (new tip).
public struct PullRequestUpdate: Hashable, Sendable {
    public let event: NostrEvent
    /// Repository coordinates from `a` tags.
    public let repoCoordinates: [String]
    /// The root pull request's event id (`E`).
    public let rootPullRequest: String?
    /// The new tip commit (`c`).
    public let tipCommit: String?
    /// All values of all `clone` tags.
    public let cloneURLs: [String]
    /// `merge-base` tag.
    public let mergeBase: String?

    public init(_ event: NostrEvent) throws(NIP34Error) {
        try requireKind(event, [Kinds.pullRequestUpdate])
        self.event = event
        repoCoordinates = event.tagValues("a")
        rootPullRequest = event.tagValue("E")
        tipCommit = event.tagValue("c")
        cloneURLs = event.allTagValues("clone")
        mergeBase = event.tagValue("merge-base")
    }

    /// Parsed `a` coordinates (unparseable ones skipped).
    public var repoKeys: [ReplacementKey] { repoCoordinates.compactMap { ReplacementKey(coordinate: $0) } }
}

/// Kind 1621: an issue.
public struct GitIssue: Hashable, Sendable {
    public let event: NostrEvent
    /// Repository coordinates from `a` tags.
    public let repoCoordinates: [String]
    /// `subject` tag.
    public let subject: String?

    public init(_ event: NostrEvent) throws(NIP34Error) {
        try requireKind(event, [Kinds.issue])
        self.event = event
        repoCoordinates = event.tagValues("a")
        subject = event.tagValue("subject")
    }

    /// Parsed `a` coordinates (unparseable ones skipped).
    public var repoKeys: [ReplacementKey] { repoCoordinates.compactMap { ReplacementKey(coordinate: $0) } }
}

/// Kinds 1630–1633: status of a patch, pull request or issue.
public struct StatusEvent: Hashable, Sendable {
    public enum Status: Int, Sendable, CaseIterable {
        case open = 1630
        case applied = 1631
        case closed = 1632
        case draft = 1633
    }

    public let event: NostrEvent
    public let status: Status
    /// The event the status is about: the `e` tag marked `root`, else the first `e` tag.
    public let root: String?
    /// Repository coordinates from `a` tags.
    public let repoCoordinates: [String]

    public init(_ event: NostrEvent) throws(NIP34Error) {
        guard let s = Status(rawValue: event.kind) else {
            throw .wrongKind(expected: Status.allCases.map(\.rawValue), got: event.kind)
        }
        self.event = event
        status = s
        root = event.markedTagValue("e", marker: "root") ?? event.tagValue("e")
        repoCoordinates = event.tagValues("a")
    }

    public var kind: Int { event.kind }
}

/// Kind 5 (NIP-09): a request to delete events by id and/or by coordinate.
public struct DeletionRequest: Hashable, Sendable {
    public let event: NostrEvent
    /// Ids from `e` tags.
    public let eventIDs: [String]
    /// Coordinates from `a` tags (unparseable ones skipped).
    public let coordinates: [ReplacementKey]
    /// The reason given in `content`.
    public var reason: String { event.content }

    public init(_ event: NostrEvent) throws(NIP34Error) {
        try requireKind(event, [Kinds.deletion])
        self.event = event
        eventIDs = event.tagValues("e")
        coordinates = event.tagValues("a").compactMap { ReplacementKey(coordinate: $0) }
    }
}
