import Dispatch

/// A task executor of the test process's own, on GCD threads rather than Swift's
/// cooperative pool. Clients of a served relay run their async code here: on a two-core
/// machine, CPU-heavy synchronous tests elsewhere in the process can hold every cooperative
/// thread for a minute or more, and a client starved that long misses the server's
/// websocket ping (the server closes the connection; the test read it as the relay's
/// failure). The executor decides only where client code runs, never what it computes.
final class NetworkTestExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = NetworkTestExecutor()
    private let queue = DispatchQueue(label: "graspsim.tests.network", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// Runs a client exchange with a served relay on `NetworkTestExecutor` (its child tasks
/// inherit the preference).
func asClient<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(NetworkTestExecutor.shared) { try await body() }
}
