// Micro-benchmark entry points for the event store (fabricated, unsigned events).
import Nostr

/// SplitMix64: a tiny seeded generator so fabricated data is the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func hex(bytes: Int) -> String {
        var s = ""
        s.reserveCapacity(bytes * 2)
        var remaining = bytes
        while remaining > 0 {
            let v = next()
            let n = min(8, remaining)
            for k in 0..<n {
                let b = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))
                s += b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16)
            }
            remaining -= n
        }
        return s
    }
}

public enum EventStoreBench {
    static let authorCount = 16

    static func authors() -> [String] {
        var rng = SplitMix64(seed: 0xA17_0125)
        return (0..<authorCount).map { _ in rng.hex(bytes: 32) }
    }

    /// A store filled with `count` fabricated events: regular notes tagging earlier ones,
    /// replaceable kind-0 profiles and addressable 30617 announcements over 16 authors.
    public static func insert(count: Int, engine: EventStore.Engine = .sqlite) throws -> EventStore {
        let store = try EventStore(engine: engine)
        let pubkeys = authors()
        var rng = SplitMix64(seed: 42)
        var recent: [String] = []
        for i in 0..<count {
            let author = pubkeys[Int(rng.next() % UInt64(pubkeys.count))]
            let createdAt = 1_700_000_000 + Int64(i / 4)
            let id = rng.hex(bytes: 32)
            let kind: Int
            var tags: [[String]] = []
            switch rng.next() % 10 {
            case 0: kind = 0
            case 1, 2:
                kind = Kinds.repoAnnouncement
                tags.append(["d", "repo\(rng.next() % 8)"])
            default:
                kind = 1
                if let target = recent.last { tags.append(["e", target]) }
                tags.append(["p", pubkeys[Int(rng.next() % UInt64(pubkeys.count))]])
            }
            let e = NostrEvent(
                id: id, pubkey: author, createdAt: createdAt, kind: kind, tags: tags,
                content: "event \(i)", sig: String(repeating: "0", count: 128))
            _ = try store.insert(e)
            recent.append(id)
            if recent.count > 64 { recent.removeFirst() }
        }
        return store
    }

    /// Runs `count` mixed queries (by author, kind, tag, time window, limit) and returns the
    /// total number of events they returned.
    public static func query(_ store: EventStore, count: Int) throws -> Int {
        let pubkeys = authors()
        var rng = SplitMix64(seed: 7)
        var total = 0
        for i in 0..<count {
            let author = pubkeys[Int(rng.next() % UInt64(pubkeys.count))]
            let filter: Filter
            switch i % 4 {
            case 0: filter = Filter(authors: [author], limit: 20)
            case 1: filter = Filter(kinds: [Kinds.repoAnnouncement], tags: ["d": ["repo\(rng.next() % 8)"]])
            case 2: filter = Filter(kinds: [1], tags: ["p": [author]], limit: 50)
            default:
                let start = 1_700_000_000 + Int64(rng.next() % 1000)
                filter = Filter(since: start, until: start + 50)
            }
            total += try store.query([filter]).count
        }
        return total
    }
}
