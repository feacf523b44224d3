import SimKernel

/// `relay-model`: every relay decision compared, step by step, with what `RelayModel`
/// predicts from the events sent and the model's own state (see `RelayModel`).
final class RelayModelCheck: InvariantFamily {
    static let invariants: Set<InvariantName> = [.relayModel]
    static let observes: HistoryKinds = [.relay, .published, .sync]

    private let model = RelayModel()
    private var mirrors = MirrorLog()
    /// The most repositories storage has held at once (how late replicas may expire).
    private var mostRepositories = 0

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        mirrors.note(entry)
        switch entry.item {
        case .relay(_, let obs): model.record(obs)
        case .published(_, _, let e, _): model.sent(e)
        default: break
        }
    }

    func afterRelayStep(_ w: WorldView, replica: String, _ violations: Violations) {
        let t = w.now
        let slack = CheckSuite.replicatedExpiryDelay(w, mostRepositories: mostRepositories)
        model.step(w, t, replica: replica, mirrors: mirrors.repos, slack: slack) {
            violations.fail(.relayModel, t, replica, $0)
        }
        mostRepositories = max(mostRepositories, w.storage.count)
    }

    func finish(_ w: WorldView, healedAt: SimTime, _ violations: Violations) {
        let t = w.now
        model.finish(w, t) { violations.fail(.relayModel, t, "relay", $0) }
    }
}
