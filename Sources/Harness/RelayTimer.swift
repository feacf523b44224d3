import SimKernel

/// Every timer a relay node sets, typed. The kernel keys timers by a `UInt64` tag; this is
/// the one place that packs a timer into a tag and reads it back (kind in the bits above
/// 40, its number below).
enum RelayTimer: Equatable {
    /// The periodic purgatory sweep.
    case sweep
    /// A replica's background maintenance cycle.
    case cycle
    /// The sync queue's tick.
    case syncTick
    /// A lock client timer (heartbeat, command timeout), by the client's timer id.
    case lock(UInt64)
    /// The next step of the running maintenance cycle of this generation.
    case cycleStep(generation: UInt64)
    /// Another lock acquisition for a push or advertisement op.
    case lockRetry(op: UInt64)
    /// A sync fetch that has not been answered.
    case fetchTimeout(request: UInt64)
    /// A reconciliation's remote request that has not been answered.
    case reconcileTimeout(run: UInt64)

    private static let low: UInt64 = (1 << 40) - 1

    var tag: UInt64 {
        switch self {
        case .sweep: return 1
        case .cycle: return 3
        case .syncTick: return 5
        case .lock(let id): return 1 << 40 | id
        case .cycleStep(let g): return 2 << 40 | g
        case .lockRetry(let op): return 4 << 40 | op
        case .fetchTimeout(let r): return 8 << 40 | r
        case .reconcileTimeout(let r): return 16 << 40 | r
        }
    }

    init?(tag: UInt64) {
        let n = tag & Self.low
        switch tag >> 40 {
        case 0:
            switch tag {
            case 1: self = .sweep
            case 3: self = .cycle
            case 5: self = .syncTick
            default: return nil
            }
        case 1: self = .lock(n)
        case 2: self = .cycleStep(generation: n)
        case 4: self = .lockRetry(op: n)
        case 8: self = .fetchTimeout(request: n)
        case 16: self = .reconcileTimeout(run: n)
        default: return nil
        }
    }
}

extension NodeContext {
    func setTimer(after delay: SimDuration, _ timer: RelayTimer) {
        setTimer(after: delay, tag: timer.tag, periodic: true)
    }
}
