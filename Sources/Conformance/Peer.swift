import Foundation
import HummingbirdWSClient
import Logging
import Nostr

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where the implementation under test lives: its relay URL and the HTTP base that goes
/// with it (`ws://h:p` → `http://h:p`, `wss://` → `https://`).
public struct Target: Sendable {
    public let relay: String
    public let http: String
    public init(_ url: String) throws {
        var u = url
        while u.hasSuffix("/") { u.removeLast() }
        if u.hasPrefix("ws://") {
            http = "http://" + u.dropFirst(5)
        } else if u.hasPrefix("wss://") {
            http = "https://" + u.dropFirst(6)
        } else {
            throw ConformError.badTarget(url)
        }
        relay = u
    }
}

public enum ConformError: Error, CustomStringConvertible {
    case badTarget(String)
    case unreachable(String)
    case timeout(String)
    public var description: String {
        switch self {
        case .badTarget(let u): return "not a relay URL (ws:// or wss://): \(u)"
        case .unreachable(let why): return "server unreachable: \(why)"
        case .timeout(let what): return "no answer in time: \(what)"
        }
    }
}

/// Everything one check said and heard: frames, HTTP exchanges, git commands and stderr.
public final class Transcript: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    private var found: [String] = []
    public init() {}
    public func note(_ line: String) {
        lock.lock()
        items.append(line)
        lock.unlock()
    }
    public var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
    /// A choice or divergence the check observed (reported with its verdict).
    public func finding(_ text: String) {
        lock.lock()
        found.append(text)
        items.append("• \(text)")
        lock.unlock()
    }
    public var findings: [String] {
        lock.lock()
        defer { lock.unlock() }
        return found
    }
}

/// The conformance runner's client side: a Nostr client over WebSocket, an HTTP client
/// and the real `git` CLI, each recording into the check's transcript.
public struct Peer: Sendable {
    public let target: Target
    public let transcript: Transcript
    /// Tags every event carries, naming the run (an operator can find and delete them).
    public let runTag: [String]
    public var timeout: Double = 10
    /// The folder this peer's git working copies and clones go under; whoever made the
    /// peer removes it when the check is done (`removeScratch`).
    public let scratch: String

    public init(
        target: Target, transcript: Transcript, runTag: [String], timeout: Double = 10, scratch: String? = nil
    ) {
        self.target = target
        self.transcript = transcript
        self.runTag = runTag
        self.timeout = timeout
        self.scratch = scratch ?? NSTemporaryDirectory() + "graspsim-conform-\(UUID().uuidString)"
    }

    /// A path under `scratch` that does not exist yet (its parent does).
    public func scratchPath(_ name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        return scratch + "/\(name)-\(UUID().uuidString)"
    }

    /// Deletes `scratch` and everything in it.
    public func removeScratch() {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    // MARK: Nostr

    /// Sends messages on one connection; collects answers until each EVENT has its OK and
    /// each REQ its EOSE or CLOSED (or `timeout` passes: then what arrived is returned).
    public func nostr(_ messages: [ClientMessage], raw: [String] = []) async throws -> [RelayMessage] {
        let expectedOK = Set(messages.compactMap { if case .event(let e) = $0 { return e.id } else { return nil } })
        let expectedEnd = Set(messages.compactMap { if case .req(let s, _) = $0 { return s } else { return nil } })
        let box = Box()
        let transcript = self.transcript
        let limit = timeout
        let url = target.relay
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await WebSocketClient.connect(
                        url: url, configuration: .init(maxFrameSize: 1 << 20),
                        logger: Logger(label: "graspsim.conform")
                    ) { inbound, outbound, _ in
                        for r in raw {
                            transcript.note("→ \(r)")
                            try await outbound.write(.text(r))
                        }
                        for m in messages {
                            transcript.note("→ \(m.json)")
                            try await outbound.write(.text(m.json))
                        }
                        if expectedOK.isEmpty && expectedEnd.isEmpty && raw.isEmpty {
                            box.answered = true
                            return
                        }
                        var oks = Set<String>()
                        var okCount = 0
                        var ends = Set<String>()
                        for try await frame in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = frame else { continue }
                            transcript.note("← \(text)")
                            guard let m = try? RelayMessage.parse(text) else { continue }
                            box.append(m)
                            switch m {
                            case .ok(let id, _, _):
                                oks.insert(id)
                                okCount += 1
                            case .eose(let s), .closed(let s, _): ends.insert(s)
                            case .notice:
                                if expectedOK.isEmpty && expectedEnd.isEmpty {
                                    box.answered = true
                                    return
                                }
                            default: break
                            }
                            // An OK per event sent ends the wait even when one names another
                            // id (`publish` reports that as the failure it is).
                            let answered = expectedOK.isSubset(of: oks) || okCount >= expectedOK.count
                            if answered && expectedEnd.isSubset(of: ends) {
                                box.answered = true
                                return
                            }
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(limit * 1e9))
                    throw ConformError.timeout("relay \(url)")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch ConformError.timeout {
            transcript.note("… no complete answer within \(Int(limit))s")
        } catch  where box.answered {
            // Every answer arrived; only the closing handshake failed (a loaded machine
            // can lose that race: "I/O on closed channel"). The answers decide.
            transcript.note("… closing the connection failed after the answers: \(error)")
        } catch {
            transcript.note("✗ websocket: \(error)")
            throw ConformError.unreachable("\(error)")
        }
        return box.messages
    }

    /// The OK for `e` among `replies`.
    public func ok(_ replies: [RelayMessage], _ e: NostrEvent) -> (accepted: Bool, message: String)? {
        for r in replies { if case .ok(let id, let a, let m) = r, id == e.id { return (a, m) } }
        return nil
    }

    /// The id an OK named when none named `e` (NIP-01: the OK carries the event's own id).
    static func okForAnotherEvent(_ replies: [RelayMessage], _ e: NostrEvent) -> String? {
        for r in replies { if case .ok(let id, _, _) = r, id != e.id { return id } }
        return nil
    }

    /// Events a REQ got.
    public func events(_ replies: [RelayMessage], sub: String) -> [NostrEvent] {
        replies.compactMap { if case .event(let s, let e) = $0, s == sub { return e } else { return nil } }
    }

    /// Publishes one event; its OK (nil: none arrived). A `rate-limited:` refusal is
    /// retried after 1, 2 and 4 seconds (a stricter rate limit than the run needs is a known
    /// divergence, not the server's verdict on the event).
    public func publish(_ e: NostrEvent) async throws -> (accepted: Bool, message: String)? {
        let replies = try await nostr([.event(e)])
        var answer = ok(replies, e)
        if answer == nil, let other = Self.okForAnotherEvent(replies, e) {
            throw CheckFailed(
                description: "the OK named event \(other.prefix(12))…, not the event sent (\(e.id.prefix(12))…)")
        }
        for wait in [1.0, 2.0, 4.0] {
            guard let a = answer, !a.accepted, a.message.hasPrefix("rate-limited:") else { break }
            transcript.note("… rate-limited: trying again in \(Int(wait))s")
            try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            answer = ok(try await nostr([.event(e)]), e)
        }
        if let a = answer, !a.accepted, a.message.hasPrefix("rate-limited:") {
            throw CheckFailed(
                description: "still rate-limited after three retries: \(a.message)",
                divergence: "a stricter rate limit than this run needs; try --jobs 1")
        }
        return answer
    }

    /// What a REQ for `filter` returns now.
    /// Fails the check when the REQ ends neither with EOSE nor CLOSED (a silent relay must
    /// not look like one that has nothing).
    public func query(_ filter: Filter) async throws -> [NostrEvent] {
        let sub = "q\(UInt32.random(in: 0...UInt32.max))"
        let replies = try await nostr([.req(subID: sub, filters: [filter])])
        let ended = replies.contains {
            switch $0 {
            case .eose(sub), .closed(sub, _): return true
            default: return false
            }
        }
        guard ended else { throw CheckFailed(description: "no EOSE for a REQ within \(Int(timeout))s") }
        return events(replies, sub: sub)
    }

    // MARK: HTTP

    public struct HTTPAnswer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    public func http(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) async throws
        -> HTTPAnswer
    {
        guard let url = URL(string: target.http + path) else { throw ConformError.badTarget(target.http + path) }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        transcript.note(
            "→ \(method) \(path) \(headers.map { "\($0.key): \($0.value)" }.joined(separator: "; "))"
                + (body.map { " (\($0.count) bytes)" } ?? ""))
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await URLSession.shared.data(for: request) } catch {
            transcript.note("✗ \(error)")
            throw ConformError.unreachable("\(error)")
        }
        let h = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (k, v) in h?.allHeaderFields ?? [:] { fields["\(k)"] = "\(v)" }
        let answer = HTTPAnswer(
            status: h?.statusCode ?? 0, headers: fields, body: String(decoding: data, as: UTF8.self))
        transcript.note(
            "← \(answer.status) \(fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "))"
        )
        return answer
    }

    // MARK: git

    public struct GitResult: Sendable {
        public var status: Int32
        public var out: String
        public var err: String
    }

    /// Runs the real `git` CLI (no prompts, no system or user configuration) on a Dispatch
    /// thread: waiting for it must not hold one of the concurrency pool's few threads.
    @discardableResult
    public func git(_ args: [String], in dir: String? = nil) async throws -> GitResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do { continuation.resume(returning: try gitBlocking(args, in: dir)) } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func gitBlocking(_ args: [String], in dir: String?) throws -> GitResult {
        transcript.note("$ git \(args.joined(separator: " "))")
        let (status, out, err) = try runProgram(
            ["git"] + args, in: dir,
            environment: [
                "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
            ])
        let r = GitResult(status: status, out: out, err: err)
        if !r.err.isEmpty { transcript.note(r.err.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")) }
        transcript.note("  exit \(r.status)")
        return r
    }

    /// A fresh working repository.
    public func workdir() async throws -> String {
        let dir = try scratchPath("work")
        try await git(["init", "-q", "-b", "main", dir])
        return dir
    }

    /// Commits `content` to `file`; the new commit's id.
    public func commit(_ dir: String, _ file: String, _ content: String) async throws -> String {
        try content.write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
        try await git(["add", file], in: dir)
        try await git(
            ["-c", "user.name=conform", "-c", "user.email=conform@graspsim.invalid", "commit", "-q", "-m", file],
            in: dir)
        return try await git(["rev-parse", "HEAD"], in: dir).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [RelayMessage] = []
        private var complete = false
        func append(_ m: RelayMessage) {
            lock.lock()
            items.append(m)
            lock.unlock()
        }
        /// Every answer the exchange waits for arrived.
        var answered: Bool {
            get {
                lock.lock()
                defer { lock.unlock() }
                return complete
            }
            set {
                lock.lock()
                complete = newValue
                lock.unlock()
            }
        }
        var messages: [RelayMessage] {
            lock.lock()
            defer { lock.unlock() }
            return items
        }
    }
}

/// Runs a program found on `PATH` and waits (blocking: call it off the concurrency pool);
/// its exit status, stdout and stderr. `environment` adds to this process's environment.
public func runProgram(_ args: [String], in dir: String? = nil, environment: [String: String] = [:]) throws
    -> (status: Int32, out: String, err: String)
{
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Both pipes at once: either can fill up while the other is being read.
    final class Box: @unchecked Sendable { var data = Data() }
    let errData = Box()
    let errDone = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errData.data = err.fileHandleForReading.readDataToEndOfFile()
        errDone.signal()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    errDone.wait()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errData.data, as: UTF8.self))
}
