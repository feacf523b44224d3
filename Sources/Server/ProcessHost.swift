import Foundation
import Logging
import Nostr
import Relay
import RelayProcess
import SimKernel

/// The real-network driver of one `RelayProcess`: every input goes through this actor (the
/// process is single-threaded), and its effects become WebSocket frames, HTTP answers,
/// timers on the real clock and log lines. The process's clock is nanoseconds since the
/// server started (`epochUnix` is the wall time then).
actor ProcessHost {
    let process: RelayProcess
    private let started = ContinuousClock.now
    private let logger: Logger
    /// Open WebSocket connections: where their frames go.
    private var connections: [ConnectionID: AsyncStream<String>.Continuation] = [:]
    private var nextConnection = 1
    /// HTTP requests waiting for the process's answer.
    private var waiting: [RequestID: CheckedContinuation<GitReply, Never>] = [:]
    private var nextRequest = 1
    private var timers: [Int: Task<Void, Never>] = [:]
    private var nextTimer = 0
    /// Called after every input that changed purgatory (the server keeps its file current).
    private let purgatoryChanged: @Sendable (PurgatorySnapshot) -> Void

    init(process: RelayProcess, logger: Logger, purgatoryChanged: @escaping @Sendable (PurgatorySnapshot) -> Void) {
        self.process = process
        self.logger = logger
        self.purgatoryChanged = purgatoryChanged
    }

    /// The process's clock.
    var now: LocalTime {
        let d = ContinuousClock.now - started
        return LocalTime(
            nanoseconds: d.components.seconds * Time.second.nanoseconds + d.components.attoseconds / 1_000_000_000)
    }

    // MARK: inputs

    private var writtenRevision = -1

    func run(_ input: ProcessInput) {
        let effects = process.handle(input, now: now, draw: { Int64.random(in: $0) })
        // The purgatory file first: no client hears "accepted" before a crash could no
        // longer lose what it was told.
        let revision = process.core.purgatoryRevision
        if revision != writtenRevision {
            writtenRevision = revision
            purgatoryChanged(PurgatorySnapshot(process.core.purgatory, now: now))
        }
        for effect in effects { dispatch(effect) }
    }

    private func dispatch(_ effect: ProcessEffect) {
        switch effect {
        case .send(let conn, let message):
            connections[conn]?.yield(message.json)
        case .reply(let req, let reply):
            waiting.removeValue(forKey: req)?.resume(returning: reply)
        case .setTimer(let after, let timer):
            let id = nextTimer
            nextTimer += 1
            timers[id] = Task { [weak self] in
                try? await Task.sleep(nanoseconds: UInt64(max(0, after.nanoseconds)))
                guard !Task.isCancelled else { return }
                await self?.fire(id, timer)
            }
        case .lock:
            // A lone process: no replicas, no lock service (pushes are serialized per
            // repository by the server).
            break
        case .remote(let id, let call):
            // Fetching git data from other servers is not built into `serve` yet: the
            // call fails as if the host were unreachable, and the hunt backs off.
            logger.debug(
                "remote fetch not supported by serve; treated as unreachable", metadata: ["domain": "\(call.domain)"])
            Task { [weak self] in await self?.run(.remoteReply(id, .unreachable)) }
        case .trace(let kind, let fields):
            logger.debug(
                "\(kind)",
                metadata: Dictionary(
                    fields.map { ($0.0, Logger.MetadataValue.string($0.1)) }, uniquingKeysWith: { a, _ in a }))
        case .observe(.relay(.storeFailed(let input, let error))):
            logger.error("event store read failed", metadata: ["input": "\(input)", "error": "\(error)"])
        case .observe, .relayStepEnded:
            break
        }
    }

    private func fire(_ id: Int, _ timer: ProcessTimer) {
        guard timers.removeValue(forKey: id) != nil else { return }
        run(.timer(timer))
    }

    // MARK: connections

    /// A new WebSocket connection: its id and the stream of frames to send it.
    func connect() -> (ConnectionID, AsyncStream<String>) {
        let id = nextConnection
        nextConnection += 1
        let (stream, continuation) = AsyncStream<String>.makeStream()
        connections[id] = continuation
        return (id, stream)
    }

    func disconnect(_ conn: ConnectionID) {
        connections.removeValue(forKey: conn)?.finish()
        run(.disconnect(conn))
    }

    /// Sends a frame to one connection without going through the process (transport
    /// errors the process never sees: a binary frame, say).
    func notice(_ conn: ConnectionID, _ message: RelayMessage) { connections[conn]?.yield(message.json) }

    // MARK: requests

    /// One git request (or hook call) answered by the process.
    func git(_ path: String, _ body: GitRequestBody) async -> GitReply {
        let req = RequestID(client: 0, number: nextRequest)
        nextRequest += 1
        return await withCheckedContinuation { continuation in
            waiting[req] = continuation
            run(.git(req, path: path, body))
        }
    }

    func nip11() async -> String {
        let req = RequestID(client: 0, number: nextRequest)
        nextRequest += 1
        let reply = await withCheckedContinuation { continuation in
            waiting[req] = continuation
            run(.nip11(req))
        }
        if case .nip11(let doc) = reply { return doc }
        return "{}"
    }

    /// The repository a path names, when the relay hosts it (served or in purgatory).
    func hosted(_ path: String) throws -> RepoKey? { try process.core.hostedRepository(path: path) }

    func directory(of key: RepoKey) -> String? { process.core.storage.directory(key) }

    /// Graceful stop: timers end, the purgatory snapshot is returned for its file.
    func shutdown() -> PurgatorySnapshot? {
        for t in timers.values { t.cancel() }
        timers.removeAll()
        for c in connections.values { c.finish() }
        connections.removeAll()
        run(.shutdown)
        return process.savedPurgatory
    }
}

extension ProcessHost {
    /// The refs of a hosted repository, one per line (for its web page).
    func refsDescription(_ key: RepoKey) -> String {
        guard let repo = process.core.storage.repository(key) else { return "" }
        let refs = repo.refs
        if refs.isEmpty { return "(empty: waiting for its first push)" }
        return refs.map { "\($0.id.hex)  \($0.name)" }.joined(separator: "\n")
    }
}
