import SimKernel

/// `purgatory-settles` (liveness): after healing, nothing waits in a purgatory past its
/// deadline plus a sweep, allowing for the time its replica was paused or down. Deadlines
/// are in the clock of the replica that made them (any of a deployment's replicas, which
/// share one purgatory); they are judged as the latest global instant they can mean.
final class PurgatorySettles: InvariantFamily {
    static let invariants: Set<InvariantName> = [.purgatorySettles]
    static let observes: HistoryKinds = []

    func finish(_ w: WorldView, healedAt: SimTime, _ violations: Violations) {
        let t = w.now
        for (name, p) in w.purgatories {
            var entries: [(String, LocalTime)] = []
            for d in p.states.keys.sorted() { entries += p.states[d]!.map { ($0.event.id, $0.deadline) } }
            for id in p.prs.keys.sorted() { entries.append((id, p.prs[id]!.deadline)) }
            for k in p.announcements.keys.sorted() where !p.announcements[k]!.softExpired {
                entries.append((p.announcements[k]!.event.id, p.announcements[k]!.deadline))
            }
            for (id, local) in entries {
                let deadline = w.latestGlobalTime(local)
                let bound =
                    max(deadline, healedAt) + w.config.sweepInterval
                    + w.unavailable(replica: name, from: healedAt, to: t) + w.clockAllowance(nil, from: .zero, to: t)
                if t > bound {
                    violations.fail(
                        .purgatorySettles, t, name,
                        "entry \(id.prefix(8)) still waiting at \(Time.format(t)), deadline was \(Time.format(deadline))"
                    )
                }
            }
        }
    }
}
