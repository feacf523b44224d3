import Nostr

/// A decision of the relay that a test may overrule through `RelayConfig.decisionHook`, to
/// plant a realistic mistake and show that a check catches it. The hook is a test double:
/// no configuration key reaches it. Each case carries the reference answer.
public enum RelayDecision: Sendable {
    /// R2's exception: whether `author`, whose announcement does not list this service,
    /// maintains a repository of `identifier`.
    case maintainerException(author: String, identifier: String, reference: Bool)
    /// Whether `arriving` is no newer than the version of its announcement waiting in
    /// purgatory (so it is a duplicate, not a replacement).
    case notNewerThanWaiting(arriving: NostrEvent, waiting: NostrEvent, reference: Bool)
    /// Whether `deletion` removes the waiting announcement `waiting` (any owner's).
    case deletionRemovesWaiting(deletion: NostrEvent, waiting: NostrEvent, reference: Bool)
    /// Whether a state by `author` speaks for `repo`.
    case speaksFor(author: String, repo: RepoKey, reference: Bool)
    /// NIP-01 replacement order: whether `newer` replaces `older`.
    case replaces(newer: NostrEvent, older: NostrEvent, reference: Bool)
    /// Whether an expired (unclaimed) git-first placeholder's ref is deleted.
    case dropExpiredPlaceholderRef(id: String, reference: Bool)
    /// Whether a state arriving for `repo`'s waiting announcement extends its deadline.
    case extendAnnouncement(repo: RepoKey, reference: Bool)

    public var reference: Bool {
        switch self {
        case .maintainerException(_, _, let r), .notNewerThanWaiting(_, _, let r), .deletionRemovesWaiting(_, _, let r),
            .speaksFor(_, _, let r), .replaces(_, _, let r), .dropExpiredPlaceholderRef(_, let r),
            .extendAnnouncement(_, let r):
            return r
        }
    }
}
