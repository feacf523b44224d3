import EventStore
import GitStore
import Nostr
import SimKernel

/// The relay core: git smart HTTP: advertisements, pushes and fetches (R6–R10).
extension RelayCore {
    /// `/<npub>/<d>.git` → repo key, when the path names a repo this service hosts
    /// (announcement served or in purgatory, repo present).
    /// The repository a git path names when this service hosts it (served, or waiting in
    /// purgatory and not soft-expired); nil otherwise.
    public func hostedRepository(path: String) throws -> RepoKey? { try hostedRepo(path) }

    func hostedRepo(_ path: String) throws -> RepoKey? {
        guard let key = parseRepoPath(path), storage.exists(key) else { return nil }
        if let p = purgatory.announcements[key] { return p.softExpired ? nil : key }
        return try announcement(key) == nil ? nil : key
    }

    static let capabilities = [
        "report-status", "delete-refs", "side-band-64k", "ofs-delta", "no-thin",
        "allow-tip-sha1-in-want", "allow-reachable-sha1-in-want",
    ]

    public static let corsHeaders = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "GET, POST"),
        ("Access-Control-Allow-Headers", "Content-Type"),
    ]

    func notFound(_ req: RequestID, _ path: String) {
        out.append(
            .reply(req, .httpError(status: 404, headers: Self.corsHeaders, message: "repository not found: \(path)")))
    }

    func advertise(_ req: RequestID, _ path: String) throws {
        guard let key = try hostedRepo(path), let repo = storage.repository(key) else {
            notFound(req, path)
            return
        }
        let refs = repo.refs
        let head: String? = refs.contains { $0.name == repo.head } ? repo.head : nil
        var caps = Self.capabilities
        if config.faultNoSHA1InWant { caps.removeAll { $0.hasSuffix("-sha1-in-want") } }
        if let head { caps.append("symref=HEAD:\(head)") }
        out.append(.reply(req, .advertisement(Advertisement(refs: refs, head: head, capabilities: caps))))
    }

    func fetch(_ req: RequestID, _ path: String, _ wants: [ObjectID], _ haves: [ObjectID]) throws {
        guard let key = try hostedRepo(path), let repo = storage.repository(key) else {
            notFound(req, path)
            return
        }
        // allow-reachable-sha1-in-want: any object reachable from an advertised tip.
        let tips = repo.refs.map(\.id)
        for w in wants {
            let reachable: Bool
            do { reachable = try repo.contains(w) && tips.contains { try $0 == w || repo.isAncestor(w, of: $0) } } catch
            {
                out.append(
                    .reply(req, .httpError(status: 500, headers: Self.corsHeaders, message: "upload-pack: \(error)")))
                return
            }
            guard reachable else {
                out.append(
                    .reply(
                        req,
                        .httpError(status: 400, headers: Self.corsHeaders, message: "upload-pack: not our ref \(w.hex)")
                    ))
                return
            }
        }
        do { out.append(.reply(req, .pack(try repo.pack(tips: wants, haves: haves)))) } catch {
            out.append(
                .reply(req, .httpError(status: 500, headers: Self.corsHeaders, message: "upload-pack: \(error)")))
        }
    }

    /// What authorization made of a push: per-ref errors (nil: accepted) and what may land.
    struct PushDecision {
        var results: [String: String?] = [:]
        var acceptedNormal: [RefUpdate] = []
        var acceptedNostr: [RefUpdate] = []
        var authorizedBy: String? = nil
        /// When the pre-receive hook accepted it (two-phase pushes only).
        var proposedAt: LocalTime? = nil
        var accepted: [RefUpdate] { acceptedNormal + acceptedNostr }
    }

    /// How long an accepted two-phase push keeps its repository from expiring while git
    /// applies it: post-receive normally follows pre-receive within a second; a git that
    /// died between the hooks never reports, and its repository expires after this.
    public static let pushApplyGrace: SimDuration = Time.min(1)

    /// Late binding for the normal refs, the `refs/nostr/<id>` rules for the others.
    func decidePush(_ key: RepoKey, _ repo: GitRepository, _ updates: [RefUpdate]) throws -> PushDecision {
        var d = PushDecision()
        let nostrUpdates = updates.filter { $0.name.hasPrefix("refs/nostr/") }
        let normal = updates.filter { !$0.name.hasPrefix("refs/nostr/") }
        if !normal.isEmpty {
            switch try authorize(key: key, repo: repo, updates: normal) {
            case .failure(let msg): for u in normal { d.results[u.name] = msg }
            case .success(let by):
                d.authorizedBy = by
                d.acceptedNormal = normal
            }
        }
        for u in nostrUpdates {
            let id = String(u.name.dropFirst("refs/nostr/".count))
            if !isEventID(id) {
                d.results[u.name] = "invalid nostr ref: \(u.name) must be refs/nostr/<64 hex event id>"
                continue
            }
            if u.isDelete {
                d.results[u.name] = "deleting refs/nostr refs is not allowed"
                continue
            }
            if let known = try knownPRCommit(id), known != u.new {
                d.results[u.name] = "rejected: event \(short(id)) names commit \(known.hex)"
                continue
            }
            d.acceptedNostr.append(u)
        }
        return d
    }

    func push(_ req: RequestID, _ path: String, _ updates: [RefUpdate], _ pack: Pack) throws {
        guard let key = try hostedRepo(path), let repo = storage.repository(key) else {
            notFound(req, path)
            return
        }
        var d = try decidePush(key, repo, updates)
        let toApply = d.accepted
        if !toApply.isEmpty {
            do {
                try storage.write(key, writer: replica, token: writeToken, "receive-pack") { r in
                    _ = try r.receive(pack)
                    let tips = toApply.filter { !$0.isDelete }.map(\.new)
                    let missing = r.missingObjects(reachableFrom: tips)
                    if !missing.isEmpty { throw PushError.missingObjects(missing.count) }
                    for u in toApply {
                        if u.isDelete {
                            if r.ref(u.name) != nil { try r.deleteRef(u.name) }
                        } else if r.ref(u.name) != u.new {
                            try r.setRef(u.name, u.new)
                        }
                    }
                }
                for u in toApply { d.results[u.name] = .some(nil) }
            } catch {
                let msg = (error as? PushError)?.description ?? "error: \(error)"
                for u in toApply { d.results[u.name] = msg }
                d.acceptedNormal = []
                d.acceptedNostr = []
                d.authorizedBy = nil
            }
        }
        try finishPush(req, key, repo, updates, d)
    }

    /// Pushes whose objects and refs the `git` programs write (a real server): the
    /// pre-receive hook asks here, with the objects still in git's quarantine, whether the
    /// updates may land. The hook refuses the whole push when any ref is refused; an
    /// accepted decision waits for `pushApplied`.
    func pushProposed(_ req: RequestID, _ path: String, _ updates: [RefUpdate]) throws {
        guard let key = try hostedRepo(path), let repo = storage.repository(key) else {
            notFound(req, path)
            return
        }
        var d = try decidePush(key, repo, updates)
        if d.accepted.count == updates.count {
            d.proposedAt = now
            proposedPushes[key] = d
            out.append(.reply(req, .pushResult(updates.map { RefResult(name: $0.name, error: nil) })))
            return
        }
        for u in d.accepted { d.results[u.name] = "not applied: another ref of this push was refused" }
        d.acceptedNormal = []
        d.acceptedNostr = []
        d.authorizedBy = nil
        try finishPush(req, key, repo, updates, d)
    }

    /// The post-receive hook: git applied `updates` (after `pushProposed` accepted them).
    func pushApplied(_ req: RequestID, _ path: String, _ updates: [RefUpdate]) throws {
        guard let key = parseRepoPath(path), let repo = storage.repository(key) else {
            notFound(req, path)
            return
        }
        var d = proposedPushes.removeValue(forKey: key) ?? PushDecision()
        // Only what was proposed and accepted counts as authorized; anything else git
        // reports (no hook ran) is recorded as applied without authorization.
        let proposed = Set(d.accepted.map(\.name))
        for u in updates where !proposed.contains(u.name) {
            if u.name.hasPrefix("refs/nostr/") { d.acceptedNostr.append(u) } else { d.acceptedNormal.append(u) }
        }
        for u in updates { d.results[u.name] = .some(nil) }
        try finishPush(req, key, repo, updates, d)
    }

    /// Reports a decided push and runs what accepted refs cause: PR placeholders or
    /// releases, "git data became available", promotion of the announcement.
    func finishPush(
        _ req: RequestID, _ key: RepoKey, _ repo: GitRepository, _ updates: [RefUpdate],
        _ d: PushDecision
    ) throws {
        let ordered = updates.map { RefResult(name: $0.name, error: d.results[$0.name] ?? "not processed") }
        observe(.push(repo: key, updates: updates, results: ordered, authorizedBy: d.authorizedBy))
        trace(
            "git.push",
            [
                ("repo", key.description), ("refs", updates.map(\.name).joined(separator: ",")),
                ("result", ordered.allSatisfy(\.ok) ? "ok" : (ordered.first { !$0.ok }?.error ?? "")),
            ])
        out.append(.reply(req, .pushResult(ordered)))
        if !d.accepted.isEmpty {
            observe(.refsChanged(repo: key, refs: repo.refs, head: repo.head, why: "push"))
        }
        for u in d.acceptedNostr {
            try prDataArrived(id: String(u.name.dropFirst("refs/nostr/".count)), repo: key, commit: u.new)
        }
        // Any accepted push may have brought objects a waiting state needs — a PR's
        // commits usually contain the base its state names (found by a swarm run).
        if !d.accepted.isEmpty { try settle(identifier: key.d) }
        // A push authorized by the served state brings the repository to it: its waiting
        // announcement leaves purgatory too (R8; generated seed 929).
        if !d.acceptedNormal.isEmpty, let by = d.authorizedBy, (try store.event(id: by)) != nil { try promote(key) }
    }

    enum PushError: Error, CustomStringConvertible {
        case missingObjects(Int)
        var description: String {
            switch self {
            case .missingObjects(let n): return "unpack error: \(n) objects missing"
            }
        }
    }

    enum AuthResult {
        case success(String)
        case failure(String)
    }

    /// LATE BINDING (SPEC §4): the refs after this push must EXACTLY equal a waiting (or
    /// served) state of an authorized author; the newest such state wins.
    func authorize(key: RepoKey, repo: GitRepository, updates: [RefUpdate]) throws -> AuthResult {
        if config.faultAcceptUnauthorizedPush { return .success("unauthorized") }
        for u in updates {
            let current = repo.ref(u.name) ?? .zero
            if u.old != current && !(u.isNoOp && u.new == current) {
                return .failure(
                    "failed to update ref: stale info (expected \(u.old.hex.prefix(7)), have \(current.hex.prefix(7)))")
            }
        }
        let noOp = updates.allSatisfy(\.isNoOp)
        if noOp && !config.faultRejectNoOpPush { return .success("no-op") }
        var proposed: [String: ObjectID] = [:]
        for (n, id) in repo.refs where isHostedRef(n) { proposed[n] = id }
        for u in updates { proposed[u.name] = u.isDelete ? nil : u.new }
        let maint = try maintainers(of: key)
        // Only the newest served state speaks for the repository: an older one (another
        // maintainer's, superseded since) or a waiting state older than it would move the
        // repository back behind what readers are served.
        let newestServed = try latestServedState(for: key)
        var candidates: [NostrEvent] = []
        if !config.faultAuthorizeFromDatabaseOnly {
            candidates += (purgatory.states[key.d] ?? []).map(\.event).filter { s in
                maint.contains(s.pubkey) && !(newestServed.map { $0.id != s.id && newer($0, s) } ?? false)
            }
        }
        // §8.12's broken variant authorizes no-op pushes from purgatory alone: a state applied
        // between the client's fetch and its push is no longer there.
        let purgatoryOnly = noOp && config.faultRejectNoOpPush
        if !purgatoryOnly, let newestServed { candidates.append(newestServed) }
        if candidates.isEmpty { return .failure("authorisation failed: no state events in purgatory") }
        let matching = candidates.filter { s in
            let refs = stateRefs(s)
            return refs.count == proposed.count && refs.allSatisfy { proposed[$0.name] == $0.id }
        }
        guard let best = matching.sorted(by: { newer($0, $1) }).first else {
            return .failure("authorisation failed: pushed refs do not match any authorized state event")
        }
        return .success(best.id)
    }

    func knownPRCommit(_ id: String) throws -> ObjectID? {
        if let e = purgatory.prs[id]?.event { return e.tagValue("c").flatMap(ObjectID.init(hex:)) }
        if let e = try store.event(id: id), e.kind == Kinds.pullRequest || e.kind == Kinds.pullRequestUpdate {
            return e.tagValue("c").flatMap(ObjectID.init(hex:))
        }
        return nil
    }

    func prDataArrived(id: String, repo: RepoKey, commit: ObjectID) throws {
        if let entry = purgatory.prs[id], let e = entry.event {
            guard e.tagValue("c") == commit.hex, !config.faultKeepPRsWaiting else { return }
            purgatory.prs[id] = nil
            observe(.left(eventID: id, kind: e.kind, why: "released"))
            do { try serve(e, how: "released") } catch {
                purgatory.prs[id] = entry  // not stored: it keeps waiting
                throw error
            }
            return
        }
        if (try store.event(id: id)) != nil { return }
        // Git first: a placeholder waits for the event.
        purgatory.prs[id] = .init(event: nil, repo: repo, commit: commit, deadline: now + config.purgatoryTTL)
        observe(.placeholder(eventID: id, repo: repo, commit: commit))
        trace("purgatory.placeholder", [("id", short(id)), ("commit", commit.hex)])
    }
}
