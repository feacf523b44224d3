import SimKernel

@testable import Sync

/// A small deterministic driver for a SyncQueue: ticks every `config.tick`, answers each
/// fetch `latency` later with `outcome(identifier, source)` (nil: never answered), and
/// delivers scripted inputs at their times. Same-time order: scripted inputs, fetch answers
/// (in start order), then the tick.
final class QueueNet {
    let queue: SyncQueue
    var now: LocalTime = 0
    var sources: [String: [CloneSource]] = [:]
    var latency: SimDuration = Time.ms(100)
    var outcome: (String, CloneSource) -> FetchOutcome? = { _, _ in .nothingNew }
    /// Called after each answered fetch; the inputs it returns are sent at once.
    var afterFetch: (String, CloneSource, FetchOutcome) -> [SyncInput] = { _, _, _ in [] }

    private(set) var fetches: [(time: LocalTime, request: UInt64, identifier: String, source: CloneSource)] = []
    private(set) var maxInFlight: [String: Int] = [:]
    private(set) var timers: [SimDuration] = []
    private(set) var traces: [String] = []
    private var answers:
        [(time: LocalTime, seq: Int, request: UInt64, identifier: String, source: CloneSource, outcome: FetchOutcome)] =
            []
    private var script: [(time: LocalTime, seq: Int, input: SyncInput)] = []
    private var seq = 0

    init(config: SyncConfig = SyncConfig(), ownDomain: String = "relay.example") {
        queue = SyncQueue(config: config, ownDomain: ownDomain)
    }

    /// Sends an input now.
    @discardableResult
    func send(_ input: SyncInput) -> [SyncEffect] {
        let effects = queue.handle(input, now: now, sources: { self.sources[$0] ?? [] })
        apply(effects)
        return effects
    }

    /// Schedules an input for later.
    func at(_ time: LocalTime, _ input: SyncInput) {
        seq += 1
        script.append((time, seq, input))
        script.sort { ($0.time, $0.seq) < ($1.time, $1.seq) }
    }

    func run(until end: LocalTime) {
        let tick = queue.config.tick
        var nextTick = LocalTime(sinceZero: (now.sinceZero / tick + 1) * tick)
        while true {
            var next = nextTick
            if let a = answers.first { next = min(next, a.time) }
            if let s = script.first { next = min(next, s.time) }
            if next > end { break }
            now = next
            while let s = script.first, s.time == now {
                script.removeFirst()
                send(s.input)
            }
            while let a = answers.first, a.time == now {
                answers.removeFirst()
                send(.fetchFinished(request: a.request, outcome: a.outcome))
                for i in afterFetch(a.identifier, a.source, a.outcome) { send(i) }
            }
            if nextTick == now {
                send(.tick)
                nextTick += tick
            }
        }
        now = end
    }

    /// The queue's typed reports, in order.
    var reports: [SyncReport] = []

    private func apply(_ effects: [SyncEffect]) {
        for e in effects {
            switch e {
            case .fetch(let request, let identifier, let source):
                fetches.append((now, request, identifier, source))
                if let o = outcome(identifier, source) {
                    seq += 1
                    answers.append((now + latency, seq, request, identifier, source, o))
                    answers.sort { ($0.time, $0.seq) < ($1.time, $1.seq) }
                }
            case .setTimer(let after, _):
                timers.append(after)
            case .trace(let label, _):
                traces.append(label)
            case .report(let r):
                reports.append(r)
            }
        }
        for (d, n) in queue.inFlight { maxInFlight[d] = max(maxInFlight[d] ?? 0, n) }
    }

    func fetchTimes(of identifier: String) -> [LocalTime] {
        fetches.filter { $0.identifier == identifier }.map(\.time)
    }
}

/// The largest number of requests to `domain` started within any half-open window
/// `[t, t + window)` (it suffices to try windows starting at each request).
func maxRequestsInAnyWindow(
    _ log: [(time: LocalTime, domain: String, identifier: String)],
    domain: String, window: SimDuration
) -> Int {
    let times = log.filter { $0.domain == domain }.map(\.time).sorted()
    var best = 0
    var j = 0
    for i in times.indices {
        if j < i { j = i }
        while j < times.count && times[j] < times[i] + window { j += 1 }
        best = max(best, j - i)
    }
    return best
}

func ids(_ n: Int, prefix: String = "repo-") -> [String] {
    (0..<n).map { i in prefix + (i < 10 ? "00" : i < 100 ? "0" : "") + String(i) }
}
