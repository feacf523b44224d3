/// A NIP-34 or NIP-09 event before it is signed: kind, tags and content, built here and
/// nowhere else (the simulator's clients, `graspsim conform` and the tests all use these).
/// Tags come in the order NIP-34 lists them; callers add tags of their own at the end.
public struct EventDraft: Hashable, Sendable {
    public var kind: Int
    public var tags: [[String]]
    public var content: String
    public init(kind: Int, tags: [[String]], content: String = "") {
        self.kind = kind
        self.tags = tags
        self.content = content
    }

    /// Kind 30617: `d`, `name`, `clone`, `relays`, and `maintainers` when there are any.
    public static func repoAnnouncement(
        identifier: String, cloneURLs: [String], relays: [String], maintainers: [String] = []
    ) -> EventDraft {
        var tags = [["d", identifier], ["name", identifier], ["clone"] + cloneURLs, ["relays"] + relays]
        if !maintainers.isEmpty { tags.append(["maintainers"] + maintainers) }
        return EventDraft(kind: Kinds.repoAnnouncement, tags: tags)
    }

    /// Kind 30618: `d`, one tag per ref (`[name, object id]`, in the order given, peeled
    /// `^{}` entries included), and `HEAD` when there is one.
    public static func repoState(identifier: String, refs: [(name: String, target: String)], head: String?)
        -> EventDraft
    {
        var tags = [["d", identifier]]
        for r in refs { tags.append([r.name, r.target]) }
        if let head { tags.append(["HEAD", "ref: \(head)"]) }
        return EventDraft(kind: Kinds.repoState, tags: tags)
    }

    /// Kind 1618: the repository's coordinate, the tip commit, `clone` URLs when given and
    /// a subject.
    public static func pullRequest(
        repoOwner: String, identifier: String, tip: String, cloneURLs: [String] = [], subject: String
    ) -> EventDraft {
        var tags = [["a", repoCoordinate(owner: repoOwner, identifier: identifier)], ["c", tip]]
        if !cloneURLs.isEmpty { tags.append(["clone"] + cloneURLs) }
        tags.append(["subject", subject])
        return EventDraft(kind: Kinds.pullRequest, tags: tags)
    }

    /// Kind 1621: the repository's coordinate and a subject, which is also the content.
    public static func issue(repoOwner: String, identifier: String, subject: String) -> EventDraft {
        EventDraft(
            kind: Kinds.issue,
            tags: [["a", repoCoordinate(owner: repoOwner, identifier: identifier)], ["subject", subject]],
            content: subject)
    }

    /// What a NIP-09 deletion names: an event by id, or a replaceable event by coordinate.
    public enum DeletionTarget: Hashable, Sendable {
        case event(id: String, kind: Int)
        case coordinate(String, kind: Int)
    }

    /// Kind 5: for each target its `e` or `a` tag, then its `k` tag.
    public static func deletion(_ targets: [DeletionTarget]) -> EventDraft {
        var tags: [[String]] = []
        for t in targets {
            switch t {
            case .event(let id, let kind): tags += [["e", id], ["k", String(kind)]]
            case .coordinate(let c, let kind): tags += [["a", c], ["k", String(kind)]]
            }
        }
        return EventDraft(kind: Kinds.deletion, tags: tags)
    }

    /// The draft with `extra` tags after its own.
    public func adding(_ extra: [[String]]) -> EventDraft {
        EventDraft(kind: kind, tags: tags + extra, content: content)
    }

    public func signed(createdAt: Int64, keyPair: KeyPair, auxRand: [UInt8]) -> NostrEvent {
        NostrEvent.signed(
            kind: kind, tags: tags, content: content, createdAt: createdAt, keyPair: keyPair, auxRand: auxRand)
    }
}
