import Coordination
import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel
import Sync

/// One fact of a run's history, in time order: the relay's own decisions plus what the
/// clients saw. The invariants read these.
public enum HistoryItem {
    case relay(replica: String, Observation)
    /// A client sent an event for a scenario step (every attempt).
    case published(step: String, actor: String, event: NostrEvent, attempt: Int)
    /// A client received an OK.
    case okReceived(step: String, actor: String, eventID: String, accepted: Bool, message: String)
    /// A client got a push answer (per-ref results, or an HTTP error line).
    case pushAnswered(step: String, actor: String, repo: RepoKey?, results: [RefResult], httpError: String?)
    /// The advertisement a push fetches first was answered with an HTTP error (a 503 when
    /// the lock was busy past the budget): the push attempt ended there. Metrics count it;
    /// `push-availability` judges the pushes themselves.
    case pushAdvertisementFailed(step: String, actor: String, repo: RepoKey, httpError: String)
    /// A client finished a clone: the HEAD it got and whether every object arrived.
    case cloned(step: String, actor: String, head: String?, refs: [(name: String, id: ObjectID)], complete: Bool)
    /// The final outcome of a step after its retries.
    case stepOutcome(step: String, accepted: Bool, message: String)
    /// A frame a client received (for well-formedness checks).
    case clientReceived(actor: String, RelayMessage)
    /// A fault started or ended, or healing began.
    case fault(String)
    /// Something a replica's lock layer did (replicated deployments).
    case replica(replica: String, ReplicaEvent)
    /// Something a relay's git-data sync or upstream reconciliation did.
    case sync(replica: String, SyncRecord)
}

/// Sets of history kinds: what a family reads (`InvariantFamily.observes`). A kind is a
/// `HistoryItem` case, except that a replica's lock tenure events (grant, release, crash:
/// thousands per lock run, read only through `TenureLog`) are a kind of their own, apart
/// from its other events (`replica`).
public struct HistoryKinds: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let relay = HistoryKinds(rawValue: 1 << 0)
    public static let published = HistoryKinds(rawValue: 1 << 1)
    public static let okReceived = HistoryKinds(rawValue: 1 << 2)
    public static let pushAnswered = HistoryKinds(rawValue: 1 << 3)
    public static let pushAdvertisementFailed = HistoryKinds(rawValue: 1 << 4)
    public static let cloned = HistoryKinds(rawValue: 1 << 5)
    public static let stepOutcome = HistoryKinds(rawValue: 1 << 6)
    public static let clientReceived = HistoryKinds(rawValue: 1 << 7)
    public static let fault = HistoryKinds(rawValue: 1 << 8)
    public static let replica = HistoryKinds(rawValue: 1 << 9)
    public static let sync = HistoryKinds(rawValue: 1 << 10)
    /// `.replica` items whose event is `lockGranted`, `lockReleased` or `crashed`.
    public static let tenure = HistoryKinds(rawValue: 1 << 11)
    /// How many single kinds there are (bit positions 0 ..< count): one per name in
    /// `HistoryItem.kindNames`, which `kindIndex` indexes (a case added to `HistoryItem`
    /// must get a position there; the compiler asks for it in `kindIndex`).
    public static let count = HistoryItem.kindNames.count
    public static let all = HistoryKinds(rawValue: (1 << count) - 1)
}

extension HistoryItem {
    /// The bit position of this item's kind in `HistoryKinds`.
    public var kindIndex: Int {
        switch self {
        case .replica(_, .lockGranted), .replica(_, .lockReleased), .replica(_, .crashed): 11
        case .relay: 0
        case .published: 1
        case .okReceived: 2
        case .pushAnswered: 3
        case .pushAdvertisementFailed: 4
        case .cloned: 5
        case .stepOutcome: 6
        case .clientReceived: 7
        case .fault: 8
        case .replica: 9
        case .sync: 10
        }
    }
    public var kind: HistoryKinds { HistoryKinds(rawValue: 1 << UInt16(kindIndex)) }
    /// The kind's name (for audits and diagnostics).
    public var kindName: String { Self.kindNames[kindIndex] }
    /// Each kind's name, by its `kindIndex`.
    public static let kindNames = [
        "relay", "published", "okReceived", "pushAnswered", "pushAdvertisementFailed", "cloned", "stepOutcome",
        "clientReceived", "fault", "replica", "sync", "tenure",
    ]
}

public struct HistoryEntry {
    public var time: SimTime
    public var item: HistoryItem
    public init(time: SimTime, item: HistoryItem) {
        self.time = time
        self.item = item
    }
}

/// A broken invariant: which, when, where, and the records involved.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    public var invariant: InvariantName
    public var time: SimTime
    public var node: String
    public var message: String
    public init(invariant: InvariantName, time: SimTime, node: String, message: String) {
        self.invariant = invariant
        self.time = time
        self.node = node
        self.message = message
    }
    public var description: String { "[\(invariant)] at \(Time.format(time)) on \(node): \(message)" }

    /// What makes two violations the same failure: the invariant and the message with
    /// its particulars (ids, hashes, numbers, times) blanked out. An expectation's message
    /// names its kind, step or repository after a `file:line:column:` prefix, which is left
    /// out (a reproducer file puts the same expectation on another line). Shrinking keeps
    /// this identity, so a reproducer fails the way the original run failed.
    public var identity: String { "\(invariant.rawValue): \(Self.shape(of: Self.withoutLocation(message)))" }

    /// `message` without a leading `file:line:column: `.
    static func withoutLocation(_ message: String) -> String {
        let chars = Array(message)
        guard
            let colon = chars.indices.first(where: { $0 + 1 < chars.count && chars[$0] == ":" && chars[$0 + 1] == " " })
        else { return message }
        let parts = String(chars[..<colon]).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.suffix(2).allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else {
            return message
        }
        return String(chars[(colon + 2)...])
    }

    static func shape(of message: String) -> String {
        var out = ""
        var run = ""
        func flush() {
            guard let first = run.first else { return }
            // Numbers and times (`42`, `250ms`, `12m03`) and ids or hashes (`3fa9c2e1`).
            let blank =
                first.isNumber || (run.count >= 6 && run.allSatisfy(\.isHexDigit) && run.contains(where: \.isNumber))
            out += blank ? "#" : run
            run = ""
        }
        for c in message {
            // A decimal point inside a number or time (`12m03.250s`) belongs to it.
            if c.isLetter || c.isNumber || (c == "." && run.first?.isNumber == true) {
                run.append(c)
            } else {
                flush()
                out.append(c)
            }
        }
        flush()
        return out
    }
}

/// One command the lock service executed: who sent it and what the key held before.
public struct LockCommandRecord: Sendable {
    public var time: SimTime
    public var sender: String
    public var command: LockCommand
    public var valueBefore: String?
    public init(time: SimTime, sender: String, command: LockCommand, valueBefore: String?) {
        self.time = time
        self.sender = sender
        self.command = command
        self.valueBefore = valueBefore
    }
}
