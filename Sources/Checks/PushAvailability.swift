import SimKernel

/// `push-availability`: while no fault is injected, the share of push attempts answered 503
/// stays under the configured bound (`checks.max_503_share`). An attempt a fault may have
/// affected is not counted: one within its retry budget of a fault, or within a ttl before
/// that (a paused or cut-off holder's lease outlives the fault by a ttl). In a replicated
/// deployment a network that loses, duplicates or reorders messages, or delays them past
/// half the lock command timeout, is such a fault for the whole run, so then nothing is
/// judged: lock commands time out, and a `SET NX` duplicated or delayed past its holder's
/// release takes the lock again for a lease nobody holds, until its ttl.
final class PushAvailability: InvariantFamily {
    static let invariants: Set<InvariantName> = [.pushAvailability]
    static let observes: HistoryKinds = [.fault, .pushAnswered]

    private var faults = FaultSpans()
    private var attempts = 0
    private var answered503 = 0

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        let t = entry.time
        switch entry.item {
        case .fault(let text):
            faults.note(text, t)
        case .pushAnswered(_, _, _, _, let http):
            if faults.free(from: t - w.lockOptions.retryBudget - w.lockOptions.ttl - Time.s(1), to: t) {
                attempts += 1
                if http?.hasPrefix("503") == true { answered503 += 1 }
            }
        default:
            break
        }
    }

    func finish(_ w: WorldView, healedAt: SimTime, _ violations: Violations) {
        // A share of fewer attempts says more about chance than about availability.
        let soundLockTraffic =
            w.networkLoss == 0 && w.networkDuplicate == 0 && w.networkReorder == 0
            && 2 * w.networkLatencyMax < w.lockOptions.commandTimeout
        guard attempts >= 20, w.lockService == nil || soundLockTraffic else { return }
        let share = Double(answered503) / Double(attempts)
        if share > w.max503Share {
            violations.fail(
                .pushAvailability, w.now, "relay",
                "\(answered503) of \(attempts) push attempts made with no fault injected (\(Int((share * 100).rounded()))%) were answered 503; the bound is \(Int((w.max503Share * 100).rounded()))%"
            )
        }
    }
}
