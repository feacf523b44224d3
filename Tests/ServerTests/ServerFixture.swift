import Conformance
import Foundation
import HummingbirdWSClient
import Logging
import Nostr
import Testing

/// A `graspsim serve` process on a free loopback port with its own data folder, stopped
/// by PID when the test is done.
final class ServedRelay: @unchecked Sendable {
    let process = Process()
    let data: String
    private(set) var port = 0
    private let output = Pipe()

    var base: String { "http://127.0.0.1:\(port)" }
    var ws: String { "ws://127.0.0.1:\(port)" }
    /// The `purgatory_ttl=<n>s` setting it was started with, in seconds (nil: the default).
    var purgatoryTTL: Double? {
        settings.last { $0.hasPrefix("purgatory_ttl=") && $0.hasSuffix("s") }
            .flatMap { Double($0.dropFirst("purgatory_ttl=".count).dropLast()) }
    }
    let settings: [String]

    init(data: String? = nil, settings: [String] = [], arguments: [String] = []) throws {
        self.data = data ?? testScratchRoot + "/serve-\(UUID().uuidString)"
        self.settings = settings
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments =
            ["serve", "--port", "0", "--data", self.data, "--log-level", "warning"]
            + settings.flatMap { ["--set", $0] } + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for "graspsim serve: listening on http://127.0.0.1:PORT".
        let handle = output.fileHandleForReading
        var seen = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty {
                if !process.isRunning { break }
                continue
            }
            seen += String(decoding: chunk, as: UTF8.self)
            if let r = seen.range(of: "listening on http://127.0.0.1:"),
                let line = seen[r.upperBound...].split(separator: "\n").first, let p = Int(line)
            {
                port = p
                return
            }
        }
        stop()
        throw FixtureError("graspsim serve did not start: \(seen)")
    }

    func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    deinit { stop(signal: SIGKILL) }

    /// The built `graspsim` next to the test bundle (`swift test` builds it).
    static func binary() throws -> String {
        var candidates: [URL] = []
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        candidates.append(exe.deletingLastPathComponent().appendingPathComponent("graspsim"))
        candidates.append(
            exe.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("graspsim"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/graspsim"))
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c.path }
        throw FixtureError("graspsim binary not found (looked at \(candidates.map(\.path)))")
    }
}

/// The folder every server test's data, working copies and clones go under: one per test
/// process, removed when the process exits (a server's data may outlive the test that made it,
/// for a restart on the same folder, so no single test owns it).
let testScratchRoot: String = {
    let root = NSTemporaryDirectory() + "graspsim-server-tests-\(getpid())"
    removeScratchOfEndedTestProcesses(in: NSTemporaryDirectory())
    try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    _ = holdScratchLock(root)  // held (never closed) until the process ends
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "graspsim-server-tests-\(getpid())") }
    return root
}()

/// The file in a scratch folder that its test process holds an exclusive `flock` on for
/// as long as it lives. The kernel lets go of it when the process ends, however it ends.
let scratchLockName = ".owner-lock"

/// Takes `folder`'s owner lock and returns its descriptor (keep it open to keep the lock).
/// The lock is taken on a file of a unique name, then renamed into place, so no other
/// process ever sees the lock file unlocked while its owner lives.
func holdScratchLock(_ folder: String) -> Int32? {
    let temporary = folder + "/.owner-lock-\(UUID().uuidString)"
    let fd = open(temporary, O_CREAT | O_RDWR, 0o600)
    guard fd >= 0 else { return nil }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0, rename(temporary, folder + "/" + scratchLockName) == 0 else {
        close(fd)
        return nil
    }
    return fd
}

/// A test process that crashed never ran its `atexit`: its scratch folder stays behind.
/// The next test process removes every scratch folder whose owner lock it can take (no
/// live process holds it). The lock, not the PID, tells: a PID may name another process,
/// or a process in another PID namespace sharing this temporary folder. A folder without
/// a lock file is left alone. Returns what it removed.
@discardableResult
func removeScratchOfEndedTestProcesses(in dir: String) -> [String] {
    var removed: [String] = []
    for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    where name.hasPrefix("graspsim-server-tests-") {
        let path = (dir as NSString).appendingPathComponent(name)
        let fd = open(path + "/" + scratchLockName, O_RDWR)
        guard fd >= 0 else { continue }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }  // its process is alive
        if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
    }
    return removed
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs a program on a Dispatch thread (waiting for it must not hold one of the few
/// concurrency-pool threads the WebSocket clients resume on); returns status and output.
@discardableResult
func sh(_ args: [String], cwd: String? = nil, env: [String: String] = [:]) async throws -> (
    status: Int32, out: String, err: String
) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            do { continuation.resume(returning: try shBlocking(args, cwd: cwd, env: env)) } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

func shBlocking(_ args: [String], cwd: String?, env: [String: String]) throws -> (
    status: Int32, out: String, err: String
) {
    try runProgram(
        args, in: cwd,
        environment: [
            "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": NSTemporaryDirectory(),
        ].merging(env) { _, new in new })
}

/// A git working repository in a fresh folder.
func gitWorkdir() async throws -> String {
    let dir = testScratchRoot + "/git-\(UUID().uuidString)"
    try await sh(["git", "init", "-q", "-b", "main", dir])
    return dir
}

func commit(_ dir: String, _ file: String, _ content: String) async throws -> String {
    try content.write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
    try await sh(["git", "add", file], cwd: dir)
    try await sh(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", file], cwd: dir)
    return try await sh(["git", "rev-parse", "HEAD"], cwd: dir).out.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Sends NIP-01 messages over one WebSocket and collects the relay's answers until every
/// EVENT got its OK and every REQ its EOSE (at most 10 s: the conformance runner's peer).
func nostr(_ url: String, _ messages: [ClientMessage]) async throws -> [RelayMessage] {
    try await asClient { try await Peer(target: try Target(url), transcript: Transcript(), runTag: []).nostr(messages) }
}

final class MessageBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [RelayMessage] = []
    func append(_ m: RelayMessage) {
        lock.lock()
        items.append(m)
        lock.unlock()
    }
    var messages: [RelayMessage] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// Signs NIP-34 events for a test actor.
struct Actor {
    let keys: KeyPair
    init(_ name: String) { keys = KeyPair.deterministic(name: name + UUID().uuidString, salt: 0) }
    var npub: String { keys.npub }

    func event(_ kind: Int, _ tags: [[String]]) -> NostrEvent {
        NostrEvent.signed(
            kind: kind, tags: tags, content: "", createdAt: Int64(Date().timeIntervalSince1970),
            keyPair: keys, auxRand: (0..<32).map { _ in UInt8.random(in: 0...255) })
    }
    func announcement(_ relay: ServedRelay, d: String, maintainers: [Actor] = []) -> NostrEvent {
        var tags = [["d", d], ["clone", "\(relay.base)/\(npub)/\(d).git"], ["relays", relay.ws]]
        if !maintainers.isEmpty { tags.append(["maintainers"] + maintainers.map(\.keys.publicKey)) }
        return event(30617, tags)
    }
    func state(d: String, main: String) -> NostrEvent {
        event(30618, [["d", d], ["refs/heads/main", main], ["HEAD", "ref: refs/heads/main"]])
    }
}

func okMessage(_ replies: [RelayMessage], _ e: NostrEvent) -> (Bool, String)? {
    for r in replies { if case .ok(let id, let ok, let m) = r, id == e.id { return (ok, m) } }
    return nil
}

func served(_ replies: [RelayMessage], sub: String) -> [NostrEvent] {
    replies.compactMap { if case .event(let s, let e) = $0, s == sub { return e } else { return nil } }
}
