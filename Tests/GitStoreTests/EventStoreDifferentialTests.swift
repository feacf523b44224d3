import Foundation
import Nostr
import Testing

@testable import EventStore

/// The simulator's in-memory tables against the server's SQLite: the same random history of
/// inserts, deletions and removals, then the same reads, through both stores; every answer
/// must be equal. 20 cases × 10 histories × 500 operations = 100,000 operations (inserts, about 14 %
/// deletions and removals), each followed by a query of one to three random filters
/// (about 200,000 filters), and every fourth by point reads (id, address, deleted, count).
///
/// The pools are small on purpose, so that histories collide: a few authors, a few
/// addresses, `created_at` within ten seconds (tie-breaks), `d` tags and tag values that
/// are canonically equivalent but differ in bytes ("é" and "e\u{301}"), coordinates in `a`
/// tags, deletions by the wrong author, re-inserts of deleted and replaced events, limits
/// of zero and below.
@Suite struct EventStoreDifferentialTests {
    // Short histories keep the stores small, so each query's answer stays a few dozen
    // events and 100,000 operations fit in the test budget.
    static let cases = Array(0..<20)
    static let historiesPerCase = 10
    static let operationsPerHistory = 500

    @Test(arguments: cases)
    func memoryTablesAnswerAsSQLite(case index: Int) throws {
        var covered = Set<String>()
        for history in 0..<Self.historiesPerCase {
            let sqlite = try EventStore(engine: .sqlite)
            sqlite.readCache = false
            let memory = try EventStore(engine: .memory)
            // Half the histories read the in-memory store through its read cache.
            memory.readCache = history % 2 == 1
            let seed = UInt64(index * Self.historiesPerCase + history)
            var seen = Set<String>()
            let differences = try Self.compare(
                sqlite, memory, seed: seed, operations: Self.operationsPerHistory, seen: &seen)
            #expect(differences.isEmpty, "\(differences.prefix(3))")
            covered.formUnion(seen)
        }
        // Each history exercises the rules it is meant to compare.
        #expect(covered.isSuperset(of: Self.mustCover), "not covered: \(Self.mustCover.subtracting(covered).sorted())")
    }

    static let mustCover: Set<String> = [
        "stored", "duplicate", "replaced", "superseded", "superseded on a tie", "deleted", "ephemeral",
        "deletion removed events", "limit cut the answer", "non-ASCII tag matched", "refused U+0000",
    ]

    /// The comparison finds a difference when there is one: a store that keeps the first
    /// version of an address on a `created_at` tie (`variant.keep_first_on_tie`).
    @Test func reportsADifferenceInTheReplacementRule() throws {
        let sqlite = try EventStore(engine: .sqlite)
        let memory = try EventStore(engine: .memory)
        sqlite.readCache = false
        memory.readCache = false
        memory.faultKeepFirstOnTie = true
        var seen = Set<String>()
        let differences = try Self.compare(sqlite, memory, seed: 99, operations: 2_000, seen: &seen)
        #expect(!differences.isEmpty)
    }

    /// Text is compared by bytes in both, as SQLite does.
    @Test(arguments: EventStore.Engine.allCases)
    func canonicallyEquivalentTextIsDistinct(engine: EventStore.Engine) throws {
        let store = try EventStore(engine: engine)
        let author = String(repeating: "a", count: 64)
        func event(_ n: Int, d: String, t: String) -> NostrEvent {
            NostrEvent(
                id: String(repeating: "\(n)", count: 64), pubkey: author, createdAt: 10, kind: 30617,
                tags: [["d", d], ["t", t]], content: "", sig: "")
        }
        #expect(try store.insert(event(1, d: "\u{e9}", t: "\u{e9}")) == .stored)
        #expect(try store.insert(event(2, d: "e\u{301}", t: "x")) == .stored)
        // Each form asked right after the other: the read cache keeps them apart too.
        #expect(try store.query([Filter(tags: ["t": ["\u{e9}"]])]).count == 1)
        #expect(try store.query([Filter(tags: ["t": ["e\u{301}"]])]).isEmpty)
        #expect(
            try store.latest(ReplacementKey(kind: 30617, pubkey: author, d: "\u{e9}"))?.id
                == String(repeating: "1", count: 64))
        #expect(
            try store.latest(ReplacementKey(kind: 30617, pubkey: author, d: "e\u{301}"))?.id
                == String(repeating: "2", count: 64))
        // U+0000 is refused (SQLite text would end there), by both engines alike.
        #expect(throws: EventStoreError.unstorableText(id: String(repeating: "3", count: 64))) {
            try store.insert(event(3, d: "a\u{0}b", t: "x"))
        }
    }

    // MARK: the comparison

    /// Runs one random history through both stores; returns a line per differing answer.
    /// `seen` collects which rules the history exercised (outcomes of `a`).
    static func compare(
        _ a: EventStore, _ b: EventStore, seed: UInt64, operations: Int,
        seen: inout Set<String>
    ) throws -> [String] {
        var history = RandomHistory(seed: seed)
        var differences: [String] = []
        func check<T: Equatable>(_ what: @autoclosure () -> String, _ x: T, _ y: T) {
            if x != y, differences.count < 20 { differences.append("seed \(seed): \(what()): \(x) vs \(y)") }
        }
        for step in 0..<operations {
            switch history.nextOperation() {
            case .insert(let e):
                let before = try a.count()
                let tie = try e.replacementKey.flatMap { try a.latest($0) }.map { $0.createdAt == e.createdAt } ?? false
                func insert(_ s: EventStore) -> (EventStore.InsertOutcome?, String) {
                    do {
                        let o = try s.insert(e)
                        return (o, "\(o)")
                    } catch { return (nil, "refused: \(error)") }
                }
                let (outcomeA, shownA) = insert(a)
                let (_, shownB) = insert(b)
                check("step \(step) insert \(e.id.prefix(8))", shownA, shownB)
                guard let outcome = outcomeA else {
                    seen.insert("refused U+0000")
                    continue
                }
                switch outcome {
                case .stored: seen.insert("stored")
                case .duplicate: seen.insert("duplicate")
                case .replaced: seen.insert("replaced")
                case .superseded: seen.insert(tie ? "superseded on a tie" : "superseded")
                case .deleted: seen.insert("deleted")
                case .ephemeral: seen.insert("ephemeral")
                }
                if e.kind == Kinds.deletion, outcome == .stored, try a.count() <= before {
                    seen.insert("deletion removed events")
                }
            case .applyDeletion(let e):
                let removed = try a.applyDeletion(e)
                check("step \(step) applyDeletion", removed, try b.applyDeletion(e))
                if !removed.isEmpty { seen.insert("deletion removed events") }
            case .remove(let id):
                try a.remove(id: id)
                try b.remove(id: id)
            }
            let filters = history.filters()
            let answer = try a.query(filters)
            check("step \(step) query \(filters)", answer, try b.query(filters))
            if filters.count == 1, let limit = filters[0].limit, limit > 0, answer.count == limit,
                try a.query([
                    Filter(
                        ids: filters[0].ids, authors: filters[0].authors, kinds: filters[0].kinds,
                        tags: filters[0].tags, since: filters[0].since, until: filters[0].until)
                ]).count > limit
            {
                seen.insert("limit cut the answer")
            }
            if answer.count > 0,
                filters.contains(where: { $0.tags.values.joined().contains { !$0.allSatisfy(\.isASCII) } })
            {
                seen.insert("non-ASCII tag matched")
            }
            guard step % 4 == 0 else { continue }
            let id = history.someID()
            check("step \(step) event \(id.prefix(8))", try a.event(id: id), try b.event(id: id))
            let key = history.someAddress()
            check("step \(step) latest \(key)", try a.latest(key), try b.latest(key))
            let probe = history.someEvent()
            check("step \(step) isDeleted \(probe.id.prefix(8))", try a.isDeleted(probe), try b.isDeleted(probe))
            check("step \(step) count", try a.count(), try b.count())
        }
        return differences
    }
}

/// Random operations and filters over deliberately small pools.
struct RandomHistory {
    enum Operation {
        case insert(NostrEvent)
        case applyDeletion(NostrEvent)
        case remove(String)
    }

    var rng: SplitMix64
    var made: [NostrEvent] = []
    let authors: [String]
    static let kinds = [0, 1, 3, 5, 7, 1621, 10002, 20001, 30617, 30618]
    static let texts = ["", "a", "b", "\u{e9}", "e\u{301}", "x:y", "main", "a\u{0}b"]

    init(seed: UInt64) {
        rng = SplitMix64(seed: 0xD1FF_0000 &+ seed)
        var keys = SplitMix64(seed: 5)
        authors = (0..<3).map { _ in keys.hex(bytes: 32) }
    }

    mutating func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }

    mutating func someID() -> String {
        if !made.isEmpty, chance(85) { return made[made.count - 1 - below(min(made.count, 200))].id }
        return rng.hex(bytes: 32)
    }

    mutating func someAddress() -> ReplacementKey {
        let kind = pick([0, 3, 10002, 30617, 30618, 30617])
        return ReplacementKey(
            kind: kind, pubkey: pick(authors), d: KindClass(kind) == .addressable ? pick(Self.texts) : "")
    }

    mutating func someEvent() -> NostrEvent {
        if !made.isEmpty, chance(70) { return made[below(made.count)] }
        return newEvent()
    }

    mutating func newEvent() -> NostrEvent {
        let kind = pick(Self.kinds)
        var tags: [[String]] = []
        for _ in 0..<below(4) { tags.append(tag()) }
        if KindClass(kind) == .addressable, chance(80) { tags.insert(["d", pick(Self.texts)], at: 0) }
        if kind == 5 {
            tags = (0..<(1 + below(3))).map { _ in chance(50) ? ["e", someID()] : ["a", coordinate()] }
        }
        let e = NostrEvent(
            id: rng.hex(bytes: 32), pubkey: pick(authors), createdAt: 1_000 + Int64(below(10)), kind: kind,
            tags: tags, content: pick(Self.texts), sig: "")
        made.append(e)
        return e
    }

    mutating func coordinate() -> String {
        if chance(10) { return pick(["", "30617", "x:y:z", "30617:short:d"]) }
        let key = someAddress()
        return chance(90) ? key.description : "\(key.kind):\(pick(authors)):\(key.d)"
    }

    mutating func tag() -> [String] {
        switch below(7) {
        case 0: return ["e", someID()]
        case 1: return ["p", pick(authors)]
        case 2: return ["a", coordinate()]
        case 3: return ["t"]
        case 4: return ["t", pick(Self.texts), "extra"]
        default: return [pick(["t", "d", "r"]), pick(Self.texts)]
        }
    }

    mutating func nextOperation() -> Operation {
        switch below(100) {
        case 0..<10 where !made.isEmpty: return .insert(made[below(made.count)])
        case 10..<14:
            var deletion = newEvent()
            deletion.kind = 5
            deletion.tags = [chance(50) ? ["e", someID()] : ["a", coordinate()]]
            return .applyDeletion(deletion)
        case 14..<18: return .remove(someID())
        default: return .insert(newEvent())
        }
    }

    mutating func filters() -> [Filter] { (0..<(1 + below(3))).map { _ in filter() } }

    mutating func filter() -> Filter {
        var f = Filter()
        if chance(15) { f.ids = (0..<below(4)).map { _ in someID() } }
        if chance(35) { f.authors = (0..<below(3)).map { _ in pick(authors) } }
        if chance(40) { f.kinds = (0..<below(3)).map { _ in pick(Self.kinds) } }
        if chance(35) {
            let name = pick(["e", "p", "t", "d", "a"])
            f.tags[name] = (0..<below(3)).map { _ in
                switch name {
                case "e": return someID()
                case "p": return pick(authors)
                case "a": return coordinate()
                default: return pick(Self.texts)
                }
            }
        }
        if chance(20) { f.since = 1_000 + Int64(below(10)) }
        if chance(20) { f.until = 1_000 + Int64(below(10)) }
        if chance(50) { f.limit = below(8) - 1 }
        return f
    }
}
