import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The body of the git hooks (`graspsim hook pre-receive|post-receive`): hand git's ref
/// updates to the running server and wait, within a bounded time, for its answer. A
/// refusal's lines go to stderr, which git shows the pusher as `remote: …` lines.
public enum HookClient {
    /// Returns the hook's exit status.
    public static func run(
        _ which: String, stdin: String, environment: [String: String],
        timeout: TimeInterval = 30
    ) -> (status: Int32, stderr: String) {
        guard let base = environment["GRASPSIM_HOOK_URL"], let token = environment["GRASPSIM_HOOK_TOKEN"],
            let repo = environment["GRASPSIM_REPO_PATH"], let url = URL(string: base + which)
        else {
            return (1, "graspsim hook: not run by graspsim serve (GRASPSIM_HOOK_URL missing)\n")
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue(token, forHTTPHeaderField: "X-Graspsim-Hook-Token")
        request.httpBody = Data((repo + "\n" + stdin).utf8)
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        URLSession.shared.dataTask(with: request) { data, response, error in
            result.set(status: (response as? HTTPURLResponse)?.statusCode, body: data, error: error)
            done.signal()
        }.resume()
        if done.wait(timeout: .now() + timeout + 1) == .timedOut {
            return (1, "authorisation failed: the relay did not answer within \(Int(timeout))s\n")
        }
        let (status, body, error) = result.get()
        if let error { return (1, "authorisation failed: cannot reach the relay (\(error.localizedDescription))\n") }
        let text = body.map { String(decoding: $0, as: UTF8.self) } ?? ""
        if status == 200 { return (0, "") }
        return (1, text.isEmpty ? "authorisation failed: relay answered \(status ?? 0)\n" : text)
    }

    private final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: (Int?, Data?, Error?) = (nil, nil, nil)
        func set(status: Int?, body: Data?, error: Error?) {
            lock.lock()
            value = (status, body, error)
            lock.unlock()
        }
        func get() -> (Int?, Data?, Error?) {
            lock.lock()
            defer { lock.unlock() }
            return value
        }
    }
}
