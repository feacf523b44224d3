extension StepActionDescription {
    /// `shutdown: <relay>`, `crash: <relay>`, `restart: <relay>` (a relay or one replica
    /// `relay#k`): the relay's lifecycle, with no actor.
    static let shutdown = lifecycle(
        "shutdown", "Graceful relay shutdown (relay or relay#k).", StepAction.shutdown, { $0.shutdown(relay: $1) }
    ) { if case .shutdown(let r) = $0 { r } else { nil } }
    static let crash = lifecycle(
        "crash", "Relay crash (relay or relay#k).", StepAction.crash, { $0.crash(relay: $1) }
    ) { if case .crash(let r) = $0 { r } else { nil } }
    static let restart = lifecycle(
        "restart", "Restart a relay after shutdown or crash.", StepAction.restart, { $0.restart(relay: $1) }
    ) { if case .restart(let r) = $0 { r } else { nil } }

    private static func lifecycle(
        _ keyword: String, _ meaning: String, _ make: @escaping @Sendable (String) -> StepAction,
        _ act: @escaping @Sendable (any StepWorld, String) -> Void,
        _ relay: @escaping @Sendable (StepAction) -> String?
    ) -> StepActionDescription {
        StepActionDescription(
            keyword: keyword, meaning: meaning,
            decode: { d, e, _ in
                guard let name = d.reader.text(e.value, "'\(e.key)'") else { return nil }
                d.ref(.relayNode, name, e.value)
                return make(name)
            },
            encode: { a, _ in relay(a).map { ["\(keyword): \(ScenarioWriter.scalar($0))"] } ?? [] },
            perform: .byWorld { a, w in if let r = relay(a) { act(w, r) } })
    }
}
