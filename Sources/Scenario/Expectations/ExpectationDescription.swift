import SimKernel

/// Everything about one kind of expectation, in one place: its keyword in scenario files
/// and what it means (the schema's text; a test holds them equal), how it is read and
/// written, and how it is judged against a finished run. Each kind is one file in this
/// folder; `ExpectationKind.descriptions` lists them.
///
/// Adding a kind: a case in `ExpectationKind` (Model.swift), a file here, a line in the
/// list and in `described` below (the compiler asks for the latter), and — when it asks
/// about something new — a member of `RunFacts`.
public struct ExpectationDescription: Sendable {
    public let keyword: String
    /// One sentence, as `docs/scenario.schema.json` describes the keyword.
    public let meaning: String
    /// Reads the value under the keyword; errors go to the decoder's reader (file:line).
    let decode: @Sendable (ScenarioDecoder, Fields.Entry) -> ExpectationKind?
    /// The value to write under the keyword (nil only for another kind's expectation).
    let encode: @Sendable (ExpectationKind) -> String?
    /// Why the finished run does not meet the expectation; nil when it does.
    let judge: @Sendable (ExpectationKind, any RunFacts) -> String?
}

extension ExpectationKind {
    /// Every kind, in the order messages list them.
    public static let descriptions: [ExpectationDescription] = [
        .served, .notServed, .accepted, .rejected, .expired, .refs, .head, .repoAbsent, .reconciled, .remoteRefs,
        .syncFetches,
    ]

    static let keywords = descriptions.map(\.keyword)

    public var described: ExpectationDescription {
        switch self {
        case .served: .served
        case .notServed: .notServed
        case .accepted: .accepted
        case .rejected: .rejected
        case .expired: .expired
        case .refs: .refs
        case .head: .head
        case .repoAbsent: .repoAbsent
        case .reconciled: .reconciled
        case .remoteRefs: .remoteRefs
        case .syncFetches: .syncFetches
        }
    }

    /// The YAML key of this expectation.
    public var keyword: String { described.keyword }

    /// `keyword: value`, as a scenario file writes it.
    var encoded: String {
        let d = described
        return "\(d.keyword): \(d.encode(self)!)"
    }

    /// Why the finished run does not meet this expectation; nil when it does.
    public func unmet(in run: any RunFacts) -> String? { described.judge(self, run) }
}

/// What expectations ask of a finished run; the harness's world answers from its history,
/// its storage and its remotes. Repositories are named as in the scenario file (the owner
/// defaults to the repo's); object ids are hex.
public protocol RunFacts {
    /// The id of the event `step` published (its last attempt's); nil when it never did.
    func publishedEventID(step: String) -> String?
    /// When an event was first served by any replica.
    func servedTime(eventID: String) -> SimTime?
    /// When an event first left purgatory by expiry.
    func expiryTime(eventID: String) -> SimTime?
    /// The final outcome of a step after its retries; nil when it never finished.
    func outcome(step: String) -> (accepted: Bool, message: String)?
    /// The hosted repository's branches and tags; nil when it does not exist.
    func hostedRefs(repo: String, owner: String?) -> [String: String]?
    /// The hosted repository's HEAD; nil when it does not exist.
    func head(repo: String, owner: String?) -> String?
    /// The outcome name of the repository's last finished reconciliation.
    func lastReconciliation(repo: String) -> String?
    /// Branches and tags of a remote's copy of the repository (empty when it has none).
    func remoteRefs(domain: String, repo: String) -> [String: String]
    /// Sync fetches the relay started for the repository's identifier.
    func syncFetches(repo: String) -> Int
    /// The object a ref of the scenario's `refs`/`equals` lists names (hex); nil for a
    /// deletion or an unknown commit.
    func target(repo: String, _ ref: RefSpec) -> String?
}

extension RunFacts {
    /// "the step succeeded (…)" / "the step failed: …" / "the step never finished".
    func describeOutcome(_ step: String) -> String {
        guard let o = outcome(step: step) else { return "the step never finished" }
        return o.accepted ? "the step succeeded (\(o.message))" : "the step failed: \(o.message)"
    }
}

/// `{a=1234567, b=89abcde}`: refs as an expectation's message shows them.
func showRefs(_ m: [String: String]) -> String {
    "{" + m.keys.sorted().map { "\($0)=\(m[$0]!.prefix(7))" }.joined(separator: ", ") + "}"
}
