import SimKernel

@testable import Coordination

/// A tiny deterministic driver: one lock service, several clients, fixed one-way latencies,
/// optional message loss and client pauses. Deliveries are ordered by (time, sequence).
final class LockNet {
    enum Delivery {
        case toService(client: Int, command: UInt64, LockCommand)
        case toClient(client: Int, LockClientInput)
        case action(() -> Void)
    }
    struct Item {
        var time: SimTime
        var seq: UInt64
        var delivery: Delivery
    }
    struct Logged {
        var time: SimTime
        var client: Int
        var effect: LockClientEffect
    }
    struct Executed {
        var time: SimTime
        var client: Int
        var command: LockCommand
        var reply: LockReply
    }

    let service: LockServiceModel
    var clients: [LockClient] = []
    var now: SimTime = 0
    /// Every node's clock reads global time here (no skew in this net).
    var clockReading: LocalTime { LocalTime(nanoseconds: now.nanoseconds) }
    /// One-way latency client → service and service → client.
    var requestLatency: SimDuration
    var replyLatency: SimDuration
    /// Return true to lose a command on its way to the service.
    var dropRequest: (_ client: Int, _ command: LockCommand, _ at: SimTime) -> Bool = { _, _, _ in false }
    /// Return true to lose a reply on its way back.
    var dropReply: (_ client: Int, _ command: LockCommand, _ at: SimTime) -> Bool = { _, _, _ in false }
    /// Extra delay for a particular reply (e.g. to make it arrive after the timeout).
    var extraReplyDelay: (_ client: Int, _ command: LockCommand) -> SimDuration = { _, _ in 0 }
    /// Deliveries to a paused client wait until the pause ends.
    var pausedUntil: [Int: SimTime] = [:]

    private var queue: [Item] = []
    private var seq: UInt64 = 0
    private(set) var log: [Logged] = []
    private(set) var executed: [Executed] = []

    init(latency: SimDuration = Time.ms(1), failoverLag: SimDuration = 0) {
        service = LockServiceModel(failoverLag: failoverLag)
        requestLatency = latency
        replyLatency = latency
    }

    @discardableResult
    func addClient(_ id: String, _ configure: (inout LockOptions) -> Void = { _ in }) -> Int {
        var o = LockOptions()
        configure(&o)
        clients.append(LockClient(instanceID: id, options: o))
        return clients.count - 1
    }

    private func push(_ time: SimTime, _ d: Delivery) {
        seq += 1
        queue.append(Item(time: time, seq: seq, delivery: d))
    }

    /// Schedules an input to a client at absolute time `t`.
    func at(_ t: SimTime, _ client: Int, _ input: LockClientInput) { push(t, .toClient(client: client, input)) }
    /// Schedules an arbitrary action (e.g. a direct service command) at `t`.
    func at(_ t: SimTime, _ action: @escaping () -> Void) { push(t, .action(action)) }

    func run(until end: SimTime) {
        while true {
            guard let idx = nextIndex(), queue[idx].time <= end else { break }
            let item = queue.remove(at: idx)
            now = max(now, item.time)
            deliver(item.delivery)
        }
        now = max(now, end)
    }

    private func nextIndex() -> Int? {
        var best: Int?
        for i in queue.indices {
            if let b = best {
                if (queue[i].time, queue[i].seq) < (queue[b].time, queue[b].seq) { best = i }
            } else {
                best = i
            }
        }
        return best
    }

    private func deliver(_ d: Delivery) {
        switch d {
        case .action(let f):
            f()
        case .toService(let client, let command, let cmd):
            let reply = service.execute(cmd, now: clockReading)
            executed.append(Executed(time: now, client: client, command: cmd, reply: reply))
            if !dropReply(client, cmd, now) {
                push(
                    now + replyLatency + extraReplyDelay(client, cmd),
                    .toClient(client: client, .reply(command: command, reply)))
            }
        case .toClient(let client, let input):
            if let p = pausedUntil[client], p > now {
                push(p, .toClient(client: client, input))
                return
            }
            apply(client, clients[client].handle(input, now: clockReading))
        }
    }

    private func apply(_ client: Int, _ effects: [LockClientEffect]) {
        for e in effects {
            log.append(Logged(time: now, client: client, effect: e))
            switch e {
            case .send(let command, let cmd):
                if !dropRequest(client, cmd, now) {
                    push(now + requestLatency, .toService(client: client, command: command, cmd))
                }
            case .setTimer(let id, let after):
                push(now + after, .toClient(client: client, .timer(id)))
            default:
                break
            }
        }
    }

    // MARK: Log queries

    func effects(of client: Int) -> [(time: SimTime, effect: LockClientEffect)] {
        log.filter { $0.client == client }.map { ($0.time, $0.effect) }
    }

    func grants(of client: Int) -> [(time: SimTime, op: UInt64, token: UInt64?)] {
        effects(of: client).compactMap {
            if case .granted(let op, _, let token) = $0.effect { return ($0.time, op, token) }
            return nil
        }
    }

    func denials(of client: Int) -> [(time: SimTime, op: UInt64, denial: LockDenial)] {
        effects(of: client).compactMap {
            if case .denied(let op, _, let d) = $0.effect { return ($0.time, op, d) }
            return nil
        }
    }

    func aborts(of client: Int) -> [(time: SimTime, op: UInt64, reason: String)] {
        effects(of: client).compactMap {
            if case .aborted(let op, _, let reason) = $0.effect { return ($0.time, op, reason) }
            return nil
        }
    }

    /// Commands a client sent (whether or not they arrived), with send times.
    func sent(by client: Int) -> [(time: SimTime, command: LockCommand)] {
        effects(of: client).compactMap {
            if case .send(_, let cmd) = $0.effect { return ($0.time, cmd) }
            return nil
        }
    }

    /// SET commands a client sent.
    func setTimes(of client: Int) -> [SimTime] {
        sent(by: client).compactMap { if case .set = $0.command { return $0.time } else { return nil } }
    }

    /// A deterministic rendering of the whole log.
    var transcript: [String] { log.map { "\($0.time) c\($0.client) \(render($0.effect))" } }
}

func render(_ e: LockClientEffect) -> String {
    switch e {
    case .send(let c, let cmd): return "send #\(c) \(cmd.traceLabel)"
    case .setTimer(let id, let after): return "timer #\(id) +\(after)"
    case .granted(let op, let repo, let token): return "granted \(op) \(repo) \(token.map(String.init) ?? "-")"
    case .denied(let op, let repo, let d): return "denied \(op) \(repo) \(d.rawValue)"
    case .aborted(let op, let repo, let r): return "aborted \(op) \(repo) \(r)"
    case .released(let op, let repo): return "released \(op) \(repo)"
    case .trace(let name, let fields): return "trace \(name) " + fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }
}

/// Effects of one direct `handle` call, split for assertions.
extension Array where Element == LockClientEffect {
    var commands: [(id: UInt64, command: LockCommand)] {
        compactMap { if case .send(let id, let cmd) = $0 { return (id, cmd) } else { return nil } }
    }
    var timers: [(id: UInt64, after: SimDuration)] {
        compactMap { if case .setTimer(let id, let after) = $0 { return (id, after) } else { return nil } }
    }
    /// Everything but traces, rendered.
    var rendered: [String] {
        compactMap { if case .trace = $0 { return nil } else { return render($0) } }
    }
}
