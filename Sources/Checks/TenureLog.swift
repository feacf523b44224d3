import SimKernel

/// The replicas' lock tenures as they saw them, from the history: each grant and release
/// of a repository's lock, and each crash (which ends every tenure of that replica). Each
/// check that needs them keeps its own (like `FaultSpans`) and declares the `tenure` kind.
struct TenureLog {
    struct Change {
        var time: SimTime
        var replica: String
        var lock: String
        var granted: Bool
    }

    private(set) var changes: [Change] = []
    private(set) var crashes: [(time: SimTime, replica: String)] = []

    mutating func note(_ entry: HistoryEntry) {
        guard case .replica(let replica, let event) = entry.item else { return }
        switch event {
        case .lockGranted(let repo, _):
            changes.append(Change(time: entry.time, replica: replica, lock: repo, granted: true))
        case .lockReleased(let repo):
            changes.append(Change(time: entry.time, replica: replica, lock: repo, granted: false))
        case .crashed: crashes.append((entry.time, replica))
        default: break
        }
    }

    /// Whether `replica` held `lock` at `t`, as the replica saw it (its last grant or
    /// release at or before `t`; a crash ends every tenure).
    func held(_ replica: String, _ lock: String, at t: SimTime) -> Bool {
        var holding = false
        for c in changes where c.time <= t && c.replica == replica && c.lock == lock { holding = c.granted }
        if holding, let crash = crashes.last(where: { $0.replica == replica && $0.time <= t }),
            let grant = changes.last(where: { $0.time <= t && $0.replica == replica && $0.lock == lock && $0.granted }),
            crash.time >= grant.time
        {
            return false
        }
        return holding
    }
}
