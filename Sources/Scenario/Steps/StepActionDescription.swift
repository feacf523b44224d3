/// Everything about one kind of step action, in one place: its keyword in scenario files
/// and what it means (the schema's text; a test holds them equal), how it is read and
/// written, and what kind of step it makes (whether it publishes an event, whether it needs
/// an actor). Each kind is one file in this folder (the relay lifecycle's three share one);
/// `StepAction.descriptions` lists them.
///
/// Adding an action: a case in `StepAction` (Model.swift), a file here (with how it is
/// performed: `StepPerformance`), and a line in the list and in `described` below (the
/// compiler asks for the latter).
public struct StepActionDescription: Sendable {
    public let keyword: String
    /// One sentence, as `docs/scenario.schema.json` describes the keyword.
    public let meaning: String
    /// Reads the value under the keyword; errors go to the decoder's reader (file:line).
    let decode: @Sendable (ScenarioDecoder, Fields.Entry, inout StepDecoding) -> StepAction?
    /// The step's keys for the action (`announce: …`, and `by: coordinate` for a deletion),
    /// given the step's extra clone domains.
    let encode: @Sendable (StepAction, _ cloneDomains: [String]) -> [String]
    /// How the world carries it out.
    public let perform: StepPerformance

    /// Publishes a Nostr event (which expectations about serving can name).
    public var publishesEvent: Bool { if case .publishes = perform { true } else { false } }
    /// Done by the world itself (the relay's lifecycle, reconciliation): no actor.
    public var isLifecycle: Bool { if case .byWorld = perform { true } else { false } }
}

/// What an action's decoder knows of its step besides its own value, and what it hands
/// back to the step (the extra clone domains of announce and pull_request).
struct StepDecoding {
    let stepID: String
    let byCoordinate: Bool
    var cloneDomains: [String] = []
}

extension StepAction {
    /// Every action, in the order messages list them.
    public static let descriptions: [StepActionDescription] = [
        .announce, .state, .push, .pullRequest, .pushPR, .issue, .delete, .replay, .clone, .shutdown, .crash,
        .restart, .reconcile,
    ]

    static let keywords = descriptions.map(\.keyword)

    public var described: StepActionDescription {
        switch self {
        case .announce: .announce
        case .state: .state
        case .push: .push
        case .pullRequest: .pullRequest
        case .pushPR: .pushPR
        case .issue: .issue
        case .delete: .delete
        case .replay: .replay
        case .clone: .clone
        case .shutdown: .shutdown
        case .crash: .crash
        case .restart: .restart
        case .reconcile: .reconcile
        }
    }

    /// The step's keys for this action, as a scenario file writes them.
    func encoded(cloneDomains: [String]) -> [String] { described.encode(self, cloneDomains) }

    /// The YAML key of this action (`announce`, `pull_request`, `push_pr`, ...).
    public var keyword: String { described.keyword }
    public var publishesEvent: Bool { described.publishesEvent }
    public var isLifecycle: Bool { described.isLifecycle }

    /// `an announce`, `a state`, ... for messages.
    var keywordWithArticle: String {
        let k = keyword
        return (["a", "e", "i", "o", "u"].contains(k.first.map(String.init) ?? "") ? "an " : "a ") + k
    }
}
