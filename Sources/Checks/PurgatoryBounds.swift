import Relay
import SimKernel

/// What the purgatory checks allow beyond one relay step: how late a replicated
/// deployment may expire an announcement.
extension CheckSuite {
    /// How late a replicated deployment may carry out an expiry: repository writes happen
    /// only in maintenance, under the repository's lock. The first cycle to start after
    /// the deadline may wait for one already running (started before the deadline, past
    /// this repository), and a cycle that finds the lock held by a push skips the
    /// repository until the next: two rounds of (start interval + a pass over every
    /// repository, two steps and a lock acquisition each).
    static func replicatedExpiryDelay(_ w: WorldView, mostRepositories: Int) -> SimDuration {
        guard let m = w.maintenance else { return 0 }
        let pass = Int64(max(mostRepositories, 1)) * (2 * m.step + w.lockOptions.retryBudget)
        return 2 * (m.interval + pass)
    }
}
