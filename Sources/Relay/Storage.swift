import Foundation
import GitStore
import SimKernel

/// Repository storage shared by every replica of a deployment (a shared disk). All writes
/// go through `write`, the single narrow door where a lease lock and fencing tokens apply.
public final class RepositoryStorage {
    public struct WriteRecord: Sendable {
        public var repo: RepoKey
        public var writer: String
        public var token: UInt64?
        /// When it happened, on the clock the storage is given (`clock`).
        public var time: SimTime
        public var operation: String
    }

    public enum StorageError: Error, CustomStringConvertible {
        case noSuchRepository(RepoKey)
        case deleteFailed(RepoKey)
        case staleFencingToken(RepoKey, token: UInt64, highest: UInt64)
        case git(Error)
        public var description: String {
            switch self {
            case .noSuchRepository(let k): return "no repository \(k)"
            case .deleteFailed(let k): return "could not delete repository \(k)"
            // An equal token from another writer is the same grant made twice (a failover).
            case .staleFencingToken(let k, let t, let h):
                return "fencing: token \(t) \(t == h ? "=" : "<") \(h) for \(k)"
            case .git(let e): return "git: \(e)"
            }
        }
    }

    private var repos: [RepoKey: GitRepository] = [:] {
        didSet { keysChanged() }
    }
    /// `repos`' keys in order, sorted again when a repository is added or removed (every
    /// maintenance step and several checks ask; reading them writes nothing, so the
    /// server may read them beside its process).
    private var sortedKeys: [RepoKey] = []
    /// Every repository with its key, in key order (kept with `sortedKeys`): walking them
    /// hashes no key.
    public private(set) var entries: [(key: RepoKey, repository: GitRepository)] = []
    /// Changes whenever `entries` does (a reader may keep data aligned with it by index).
    public private(set) var entriesRevision = 0

    private func keysChanged() {
        sortedKeys = repos.keys.sorted()
        entries = sortedKeys.map { ($0, repos[$0]!) }
        entriesRevision &+= 1
    }
    /// Repositories whose deletion fails (fault injection: a busy file, a permission error).
    public var failingDeletes: Set<RepoKey> = []
    /// Every deletion fails before this time on `clock` (a storage fault window).
    public var deletesFailUntil: SimTime? = nil
    /// The shared storage's clock, which stamps the write log and times the fault window: the
    /// simulation's global clock (writers' own clocks may be skewed and do not order writes
    /// across replicas). A real server turns the log off (`recordWrites`) and injects no faults.
    public var clock: () -> SimTime = { .zero }
    /// Every write, in order, for the checks.
    public private(set) var writes: [WriteRecord] = []
    /// Every write fencing refused (a stale or duplicated token), in order, for metrics.
    public private(set) var refusals: [WriteRecord] = []
    /// Changes whenever a repository is created or deleted (which repositories exist).
    public private(set) var revision = 0
    private let refsClock = RefsClock()

    /// Which repositories exist and their refs, as a value that changes whenever either
    /// does; nil on disk, where other programs (git) may move refs unseen.
    public struct RefsEpoch: Equatable {
        let storage: ObjectIdentifier
        let revision: Int
        let refTicks: Int
    }

    public var refsEpoch: RefsEpoch? {
        root == nil ? RefsEpoch(storage: ObjectIdentifier(self), revision: revision, refTicks: refsClock.ticks) : nil
    }
    public var recordWrites = true
    /// With fencing on, a write must carry a token >= the highest accepted under the
    /// repository's lock (`RepoKey.lockName`: the tokens of one lock are one sequence, and
    /// every repository that lock covers is fenced by it).
    public var fencing = false
    private var highestToken: [String: (token: UInt64, writer: String)] = [:]

    /// Where bare repositories live on disk (`<root>/<npub>/<percent-encoded d>.git`, the
    /// layout `git http-backend` serves); nil keeps them in memory (the simulation).
    public let root: String?

    public init() { root = nil }

    /// What `init(root:)` found under the root that is not a repository it serves (a file,
    /// a folder not named by an npub, an entry of an owner's folder not named
    /// `<identifier>.git` exactly as this storage names it): left as it is, listed here so
    /// the server can say so.
    public private(set) var unrecognized: [String] = []

    /// Storage on disk under `root`, holding the repositories already there.
    public init(root: String) throws {
        self.root = root
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        for owner in try fm.contentsOfDirectory(atPath: root).sorted() {
            let ownerDir = root + "/" + owner
            // An owner's folder is named by its npub (any identifier will do to ask).
            guard parseRepoPath("/\(owner)/x.git") != nil, let names = try? fm.contentsOfDirectory(atPath: ownerDir)
            else {
                unrecognized.append(ownerDir)
                continue
            }
            for name in names.sorted() {
                // Only the name this storage would give the key: another spelling of it
                // (percent-escapes) is a folder git is never pointed at.
                guard let key = parseRepoPath("/\(owner)/\(name)"), repoPath(key) == "/\(owner)/\(name)" else {
                    unrecognized.append(ownerDir + "/" + name)
                    continue
                }
                do { repos[key] = try GitRepository.openOrCreateBare(path: ownerDir + "/" + name) } catch {
                    throw StorageError.git(error)
                }
            }
        }
        keysChanged()  // observers do not run in an initializer
    }

    /// The directory of `key`'s repository on disk (nil in memory).
    public func directory(_ key: RepoKey) -> String? {
        root.map { $0 + repoPath(key) }
    }

    public func repository(_ key: RepoKey) -> GitRepository? { repos[key] }
    public func exists(_ key: RepoKey) -> Bool { repos[key] != nil }
    public var keys: [RepoKey] { sortedKeys }
    public var count: Int { repos.count }

    /// Runs a write against `key`'s repository, checking the fencing token first.
    @discardableResult
    public func write<T>(
        _ key: RepoKey, writer: String, token: UInt64?, _ operation: String,
        _ body: (GitRepository) throws -> T
    ) throws -> T {
        guard let repo = repos[key] else { throw StorageError.noSuchRepository(key) }
        try admit(key, writer: writer, token: token, operation)
        do { return try body(repo) } catch let e as StorageError { throw e } catch { throw StorageError.git(error) }
    }

    /// Creates an empty bare repository (in memory in the simulation). Idempotent.
    public func create(_ key: RepoKey, writer: String, token: UInt64?) throws {
        if repos[key] != nil { return }
        try admit(key, writer: writer, token: token, "create")
        do {
            if let dir = directory(key) {
                try FileManager.default.createDirectory(
                    atPath: (dir as NSString).deletingLastPathComponent,
                    withIntermediateDirectories: true)
                repos[key] = try GitRepository.openOrCreateBare(path: dir)
            } else {
                repos[key] = try GitRepository.inMemory(refsClock: refsClock)
            }
            revision &+= 1
        } catch { throw StorageError.git(error) }
    }

    public func delete(_ key: RepoKey, writer: String, token: UInt64?) throws {
        try admit(key, writer: writer, token: token, "delete")
        if failingDeletes.contains(key) || (deletesFailUntil.map { clock() < $0 } ?? false) {
            throw StorageError.deleteFailed(key)
        }
        if let dir = directory(key), repos[key] != nil {
            do { try FileManager.default.removeItem(atPath: dir) } catch { throw StorageError.deleteFailed(key) }
        }
        repos[key] = nil
        revision &+= 1
    }

    /// Raises `entry` to `token` unless the token is stale against it; returns the highest
    /// token when it is.
    private static func admitToken(
        _ token: UInt64, _ writer: String, _ entry: inout (token: UInt64, writer: String)?
    ) -> UInt64? {
        if let h = entry, token < h.token || (token == h.token && writer != h.writer) { return h.token }
        entry = (token, writer)
        return nil
    }

    private func admit(_ key: RepoKey, writer: String, token: UInt64?, _ op: String) throws {
        if fencing, let token {
            // Lower than the highest accepted: stale. Equal but from another writer: the
            // same token granted twice (a lock-service failover lost the grant and the
            // counter) — refused too, so a duplicate grant is detected, not obeyed.
            // One look-up reads and updates the lock's entry in place.
            if let highest = Self.admitToken(token, writer, &highestToken[key.lockName]) {
                if recordWrites {
                    refusals.append(WriteRecord(repo: key, writer: writer, token: token, time: clock(), operation: op))
                }
                throw StorageError.staleFencingToken(key, token: token, highest: highest)
            }
        }
        if recordWrites {
            writes.append(WriteRecord(repo: key, writer: writer, token: token, time: clock(), operation: op))
        }
    }
}
