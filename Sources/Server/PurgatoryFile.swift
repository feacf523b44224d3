import Foundation
import GitStore
import Nostr
import Relay
import SimKernel

/// The purgatory on disk (`<data>/purgatory.json`), kept current after every change so a
/// crash loses no acknowledged event, and read back at start with the downtime since it
/// was written subtracted from every deadline.
struct PurgatoryFile: Codable {
    struct Announcement: Codable {
        var owner, d, event: String
        var deadline: LocalTime
        var softExpired: Bool
        var forgetAt: LocalTime?
    }
    struct State: Codable {
        var event: String
        var deadline: LocalTime
        var origin: String
    }
    struct PullRequest: Codable {
        var id: String
        var event: String?
        var owner, d: String
        var commit: String?
        var deadline: LocalTime
    }
    struct RefDrop: Codable { var owner, d, id: String }
    struct Repo: Codable { var owner, d: String }

    /// Wall-clock time of the write (Unix nanoseconds): the downtime is measured from it.
    var writtenAtUnixNanos: Int64
    var savedAt: LocalTime
    var announcements: [Announcement] = []
    var states: [State] = []
    var pullRequests: [PullRequest] = []
    var expired: [String: LocalTime] = [:]
    var refDrops: [RefDrop] = []
    var repoDeletes: [Repo] = []

    enum FileError: Error, CustomStringConvertible {
        case badEvent(String)
        var description: String {
            switch self {
            case .badEvent(let why): return "purgatory file: an event does not parse (\(why))"
            }
        }
    }

    init(_ s: PurgatorySnapshot, writtenAt: Date) {
        writtenAtUnixNanos = Int64(writtenAt.timeIntervalSince1970 * 1e9)
        savedAt = s.savedAt
        let p = s.purgatory
        for (k, a) in p.announcements.sorted(by: { $0.key < $1.key }) {
            announcements.append(
                .init(
                    owner: k.owner, d: k.d, event: a.event.json, deadline: a.deadline,
                    softExpired: a.softExpired, forgetAt: a.forgetAt))
        }
        for d in p.states.keys.sorted() {
            for e in p.states[d]! {
                states.append(.init(event: e.event.json, deadline: e.deadline, origin: e.source.rawValue))
            }
        }
        for id in p.prs.keys.sorted() {
            let pr = p.prs[id]!
            pullRequests.append(
                .init(
                    id: id, event: pr.event?.json, owner: pr.repo.owner, d: pr.repo.d,
                    commit: pr.commit?.hex, deadline: pr.deadline))
        }
        expired = p.expired
        refDrops = p.refDrops.sorted().map { .init(owner: $0.repo.owner, d: $0.repo.d, id: $0.id) }
        repoDeletes = p.repoDeletes.sorted().map { .init(owner: $0.owner, d: $0.d) }
    }

    func snapshot() throws -> PurgatorySnapshot {
        func event(_ json: String) throws -> NostrEvent {
            do { return try NostrEvent.parse(json: json) } catch { throw FileError.badEvent("\(error)") }
        }
        var p = Purgatory()
        for a in announcements {
            p.announcements[RepoKey(owner: a.owner, d: a.d)] = .init(
                event: try event(a.event), deadline: a.deadline,
                softExpired: a.softExpired, forgetAt: a.forgetAt)
        }
        for s in states {
            let e = try event(s.event)
            p.states[e.dTag, default: []].append(
                .init(event: e, deadline: s.deadline, source: EventOrigin(rawValue: s.origin) ?? .user))
        }
        for pr in pullRequests {
            p.prs[pr.id] = .init(
                event: try pr.event.map(event), repo: RepoKey(owner: pr.owner, d: pr.d),
                commit: pr.commit.flatMap(ObjectID.init(hex:)), deadline: pr.deadline)
        }
        p.expired = expired
        p.refDrops = Set(refDrops.map { .init(repo: RepoKey(owner: $0.owner, d: $0.d), id: $0.id) })
        p.repoDeletes = Set(repoDeletes.map { RepoKey(owner: $0.owner, d: $0.d) })
        return PurgatorySnapshot(relative: p, savedAt: savedAt)
    }

    static func write(_ s: PurgatorySnapshot, to path: String) throws {
        let data = try JSONEncoder().encode(PurgatoryFile(s, writtenAt: Date()))
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func read(_ path: String) throws -> PurgatoryFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try JSONDecoder().decode(PurgatoryFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
