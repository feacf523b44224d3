import Foundation
import GitStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Relay
import RelayProcess

/// CORS on every response, errors included (GRASP-01: browsers clone and push too).
struct CORSEverywhere<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do { response = try await next(request, context) } catch let e as any HTTPResponseError {
            response = try e.response(from: request, context: context)
        } catch { response = Response(status: .internalServerError) }
        response.headers[.accessControlAllowOrigin] = "*"
        response.headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
        response.headers[.accessControlAllowHeaders] = "*"
        response.headers[.accessControlExposeHeaders] = "*"
        return response
    }
}

/// One log line per request: method, path, status, milliseconds.
struct RequestLog<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let ms =
                (ContinuousClock.now - start).components.attoseconds / 1_000_000_000_000_000
                + (ContinuousClock.now - start).components.seconds * 1000
            logger.info("\(request.method) \(request.uri.path) \(status) \(ms)ms")
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let e as any HTTPResponseError {
            status = e.status.code
            throw e
        }
    }
}

/// Pushes to one repository run one at a time (git's hooks see one proposal per repository).
actor RepositoryGate {
    private var busy: Set<RepoKey> = []
    private var waiters: [RepoKey: [CheckedContinuation<Void, Never>]] = [:]
    func enter(_ key: RepoKey) async {
        if busy.insert(key).inserted { return }
        await withCheckedContinuation { waiters[key, default: []].append($0) }
    }
    func leave(_ key: RepoKey) {
        if var queue = waiters[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[key] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            busy.remove(key)
        }
    }
}

/// The HTTP side of the server: NIP-11, git smart HTTP through the git programs, the
/// hooks' endpoint, a small page per repository, 404 for everything else.
struct HTTPRoutes: Sendable {
    let host: ProcessHost
    let backend: GitBackend
    let gate = RepositoryGate()
    let maxBody: Int
    static let gitSuffixes = ["/info/refs", "/git-upload-pack", "/git-receive-pack"]
    static let hookPrefix = "/_graspsim/hooks/"
    static let hookTokenHeader = HTTPField.Name("X-Graspsim-Hook-Token")!

    func install(on router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in try await root(request) }
        router.on("/", method: .options) { _, _ in Response(status: .noContent) }
        router.on("**", method: .options) { _, _ in Response(status: .noContent) }
        router.get("**") { request, _ in try await get(request) }
        router.post("**") { request, _ in try await post(request) }
    }

    private func root(_ request: Request) async throws -> Response {
        if request.headers[values: .accept].contains(where: { $0.contains("application/nostr+json") }) {
            return Response(
                status: .ok, headers: [.contentType: "application/nostr+json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: await host.nip11())))
        }
        return html(
            .ok,
            "<h1>GraspSim reference relay</h1><p>A GRASP relay and git host. Nostr: this URL over WebSocket. Git: <code>/&lt;npub&gt;/&lt;identifier&gt;.git</code>.</p>"
        )
    }

    private func get(_ request: Request) async throws -> Response {
        let path = request.uri.path
        if let (repoPath, _) = Self.gitRequest(path) { return try await git(request, repoPath: repoPath) }
        // A page at the repository's URL (with or without `.git`).
        let asRepo = path.hasSuffix(".git") ? path : path + ".git"
        if let key = try await hostedOrThrow(asRepo) {
            let refs = await host.refsDescription(key)
            return html(
                .ok,
                "<h1>\(escape(key.d))</h1><p>Owner <code>\(escape(key.owner))</code></p><p>Clone: <code>git clone \(escape(asRepo))</code></p><pre>\(escape(refs))</pre>"
            )
        }
        throw HTTPError(.notFound, message: "no repository at \(path)")
    }

    private func post(_ request: Request) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix(Self.hookPrefix) {
            return try await hook(request, String(path.dropFirst(Self.hookPrefix.count)))
        }
        if let (repoPath, suffix) = Self.gitRequest(path), suffix != "/info/refs" {
            return try await git(request, repoPath: repoPath)
        }
        throw HTTPError(.notFound, message: "no such endpoint: \(path)")
    }

    /// `/<npub>/<d>.git/info/refs` → (`/<npub>/<d>.git`, `/info/refs`).
    static func gitRequest(_ path: String) -> (String, String)? {
        for s in gitSuffixes where path.hasSuffix(s) { return (String(path.dropLast(s.count)), s) }
        return nil
    }

    private func hostedOrThrow(_ repoPath: String) async throws -> RepoKey? {
        do { return try await host.hosted(repoPath) } catch {
            throw HTTPError(.internalServerError, message: "error: \(error)")
        }
    }

    private func git(_ request: Request, repoPath: String) async throws -> Response {
        guard let key = try await hostedOrThrow(repoPath), await host.directory(of: key) != nil else {
            throw HTTPError(.notFound, message: "repository not found: \(repoPath)")
        }
        let suffix = String(request.uri.path.dropFirst(repoPath.count))
        let body = try await request.body.collect(upTo: maxBody)
        let pushing = suffix == "/git-receive-pack"
        if pushing { await gate.enter(key) }
        defer { if pushing { Task { await gate.leave(key) } } }
        let answer = try await backend.run(
            method: request.method.rawValue, pathInfo: Relay.repoPath(key) + suffix, query: request.uri.query,
            contentType: request.headers[.contentType], contentEncoding: request.headers[.contentEncoding],
            gitProtocol: request.headers[HTTPField.Name("Git-Protocol")!], body: Data(buffer: body),
            repoPath: Relay.repoPath(key))
        // Whatever the post-receive hook managed to say, the data that landed is noticed.
        if pushing { await host.run(.gitDataArrived(key)) }
        if request.method == .post && answer.body.isEmpty {
            // git ended without a word (malformed pkt-lines or pack): say so; it changed nothing.
            throw HTTPError(
                .badRequest, message: "git: not a valid \(suffix.dropFirst()) request (malformed pkt-lines or pack)")
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let n = HTTPField.Name(name) { headers.append(HTTPField(name: n, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(data: answer.body)))
    }

    /// The hooks' calls: the first body line is the repository path, then git's
    /// `<old> <new> <ref>` lines.
    private func hook(_ request: Request, _ which: String) async throws -> Response {
        guard Self.sameSecret(request.headers[Self.hookTokenHeader] ?? "", backend.hookToken) else {
            throw HTTPError(.forbidden)
        }
        let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
        var lines = text.split(separator: "\n").map(String.init)
        guard !lines.isEmpty else { throw HTTPError(.badRequest, message: "no repository named") }
        let repoPath = lines.removeFirst()
        var updates: [RefUpdate] = []
        for line in lines {
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 3, let old = ObjectID(hex: parts[0]), let new = ObjectID(hex: parts[1]) else {
                throw HTTPError(.badRequest, message: "malformed ref update line: \(line)")
            }
            updates.append(RefUpdate(name: parts[2], old: old, new: new))
        }
        let body: GitRequestBody
        switch which {
        case "pre-receive": body = .proposePush(updates: updates)
        case "post-receive": body = .pushApplied(updates: updates)
        default: throw HTTPError(.notFound)
        }
        switch await host.git(repoPath, body) {
        case .pushResult(let results) where results.allSatisfy(\.ok):
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
        case .pushResult(let results):
            let lines = results.compactMap { r in r.error.map { "\(r.name): \($0)" } }
            return Response(
                status: .forbidden,
                body: ResponseBody(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n") + "\n")))
        case .httpError(let status, _, let message):
            return Response(
                status: HTTPResponse.Status(code: status),
                body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
        default:
            throw HTTPError(.internalServerError, message: "unexpected answer to a hook")
        }
    }

    /// Compares in time independent of where the strings differ.
    static func sameSecret(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    private func html(_ status: HTTPResponse.Status, _ content: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(
                byteBuffer: ByteBuffer(string: "<!doctype html><meta charset=utf-8><title>GraspSim</title>\(content)")))
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }
}
