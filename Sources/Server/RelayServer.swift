import EventStore
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Nostr
import Relay
import RelayProcess
import ServiceLifecycle
import SimKernel

/// How `graspsim serve` runs.
public struct ServeOptions: Sendable {
    public var host = "127.0.0.1"
    /// 0: any free port (printed when listening).
    public var port = 8080
    public var dataDirectory = "graspsim-data"
    /// The public host name (clone URLs `https://<domain>/…`, relay `wss://<domain>`, as
    /// behind a TLS proxy); nil: `<host>:<port>` with plain `http://` and `ws://`.
    public var domain: String? = nil
    /// `key=value` settings, the same keys as the simulator's `--set`.
    public var settings: [(String, String)] = []
    /// This program's path (the git hooks run `<executable> hook …`).
    public var executable: String
    /// Largest WebSocket frame and message (NIP-34 events with many refs exceed 16 KiB).
    public var maxFrame = 1 << 20
    /// Largest git request body.
    public var maxGitBody = 512 << 20
    public init(executable: String) { self.executable = executable }
}

public enum ServeError: Error, CustomStringConvertible {
    case unknownSetting(String)
    case badSetting(String, String)
    public var description: String {
        switch self {
        case .unknownSetting(let k): return "unknown setting '\(k)' (graspsim invariants lists the keys)"
        case .badSetting(let k, let why): return "setting '\(k)': \(why)"
        }
    }
}

/// The reference relay/git-host on a real network: one port serves NIP-01 over WebSocket
/// at `/`, NIP-11, and git smart HTTP at `/<npub>/<identifier>.git`.
public enum RelayServer {
    /// Relay switches serve refuses: no conformance check could observe them here, so a
    /// server started with one could not be shown broken.
    public static let unavailableSettings: [String: String] = [
        "variant.soft_expire_on_failed_delete": "serve has no way to make a repository deletion fail"
    ]

    /// Runs until SIGTERM/SIGINT (or `stop` is triggered); `listening` gets the bound port.
    public static func run(
        _ options: ServeOptions, logger: Logger,
        listening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let port = options.port == 0 ? try freeLoopbackPort(options.host) : options.port
        let data = URL(fileURLWithPath: options.dataDirectory).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)

        var config = RelayConfig()
        let settings = ProcessSettings()
        for (written, v) in options.settings {
            let k = SettingKey.canonical(written)
            if let why = Self.unavailableSettings[k] { throw ServeError.badSetting(k, why) }
            if ProcessSettings.keys.contains(where: { $0.0 == k }) {
                throw ServeError.badSetting(
                    k,
                    "applies to replicas, locks, the git-data hunt's fetches or reconciliation, which serve does not carry out"
                )
            }
            do {
                if try config.set(k, v) { continue }
            } catch { throw ServeError.badSetting(k, "\(error)") }
            throw ServeError.unknownSetting(written)
        }
        config.domain = options.domain ?? "\(options.host):\(port)"
        config.secureTransport = options.domain != nil
        config.epochUnix = Int64(Date().timeIntervalSince1970)

        let store = try EventStore(path: data + "/events.sqlite")
        let storage = try RepositoryStorage(root: data + "/repos")
        for path in storage.unrecognized {
            logger.warning("not a repository this server serves; left as it is", metadata: ["path": "\(path)"])
        }
        storage.recordWrites = false  // the write log is the simulator's, for its checks
        let process = RelayProcess(name: "serve", config: config, settings: settings, store: store, storage: storage)
        let purgatoryPath = data + "/purgatory.json"
        let fileLogger = logger
        let host = ProcessHost(process: process, logger: logger) { snapshot in
            do { try PurgatoryFile.write(snapshot, to: purgatoryPath) } catch {
                fileLogger.error("could not write the purgatory file", metadata: ["error": "\(error)"])
            }
        }
        if let file = try PurgatoryFile.read(purgatoryPath) {
            process.savedPurgatory = try file.snapshot()
            let downtime = Time.ns(max(0, Int64(Date().timeIntervalSince1970 * 1e9) - file.writtenAtUnixNanos))
            await host.run(.restart(graceful: true, downtime: downtime))
            logger.info(
                "purgatory restored",
                metadata: [
                    "entries": "\(process.core.purgatory.waitingIDs.count)",
                    "downtime": "\(Time.format(downtime))",
                ])
        } else {
            await host.run(.start)
        }
        // A crash between git moving refs and the post-receive hook leaves data the process
        // never heard of: every repository's data is "arrived" once at start.
        for key in storage.keys { await host.run(.gitDataArrived(key)) }

        let token = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let hooks = data + "/hooks"
        try GitBackend.installHooks(at: hooks, executable: options.executable)
        var backend = GitBackend(
            projectRoot: data + "/repos", hooksPath: hooks,
            hookURL: "http://\(Self.hookHost(options.host)):\(port)\(HTTPRoutes.hookPrefix)", hookToken: token)
        backend.offersFilter = !config.faultNoFilter
        backend.offersWantsByID = !config.faultNoSHA1InWant

        let router = Router()
        router.add(middleware: CORSEverywhere())
        router.add(middleware: RequestLog(logger: logger))
        HTTPRoutes(host: host, backend: backend, maxBody: options.maxGitBody).install(on: router)

        let maxFrame = options.maxFrame
        let wsRouter = Router(context: BasicWebSocketRequestContext.self)
        wsRouter.ws("/") { inbound, outbound, _ in
            let (conn, frames) = await host.connect()
            let writer = Task {
                for await text in frames { try? await outbound.write(.text(text)) }
            }
            do {
                for try await message in inbound.messages(maxSize: maxFrame) {
                    switch message {
                    case .text(let text): await host.run(.nostrText(conn, text, .user))
                    case .binary: await host.notice(conn, .notice("invalid: binary frames are not NIP-01 messages"))
                    }
                }
            } catch {
                logger.info("websocket closed", metadata: ["error": "\(error)"])
            }
            await host.disconnect(conn)
            await writer.value
        }

        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: wsRouter,
                configuration: .init(ws: .init(maxFrameSize: maxFrame))),
            configuration: .init(address: .hostname(options.host, port: port), serverName: "graspsim"),
            onServerRunning: { channel in
                logger.info(
                    "listening",
                    metadata: [
                        "url": "http://\(options.host):\(channel.localAddress?.port ?? port)",
                        "data": "\(data)",
                    ])
                listening(channel.localAddress?.port ?? port)
            },
            logger: logger)
        try await app.runService()
        // Graceful stop: purgatory goes to its file with the time it was written.
        if let snapshot = await host.shutdown() { try PurgatoryFile.write(snapshot, to: purgatoryPath) }
        logger.info("stopped", metadata: ["purgatory": "\(purgatoryPath)"])
    }

    /// Where the hooks reach this server: the bound address, or loopback when bound to
    /// every address.
    static func hookHost(_ bound: String) -> String {
        switch bound {
        case "0.0.0.0", "": return "127.0.0.1"
        case "::": return "[::1]"
        default: return bound.contains(":") ? "[\(bound)]" : bound
        }
    }

    /// A port nobody listens on now (bound and released; the server binds it next).
    static func freeLoopbackPort(_ host: String) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServeError.badSetting("port", "no socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        guard bound == 0 else { throw ServeError.badSetting("port", "cannot bind \(host)") }
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard named == 0 else { throw ServeError.badSetting("port", "getsockname failed") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
