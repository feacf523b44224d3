import RelayProcess

/// The kernel keys timers by a `UInt64` tag; this is the one place a process timer is
/// packed into a tag and read back (kind in the bits above 40, its number below). Tags
/// never reach the trace; the sync tick's carries its timer's number.
extension ProcessTimer {
    private static let low: UInt64 = (1 << 40) - 1

    var tag: UInt64 {
        switch self {
        case .sweep: return 1
        case .cycle: return 3
        case .syncTick(let n):
            precondition(n <= Self.low, "sync timer number \(n) does not fit a tag")
            return 32 << 40 | n
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
            default: return nil
            }
        case 1: self = .lock(n)
        case 2: self = .cycleStep(generation: n)
        case 4: self = .lockRetry(op: n)
        case 8: self = .fetchTimeout(request: n)
        case 16: self = .reconcileTimeout(run: n)
        case 32: self = .syncTick(timer: n)
        default: return nil
        }
    }
}
