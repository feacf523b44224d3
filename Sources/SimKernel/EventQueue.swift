/// The kernel's event queue: a binary min-heap of small (time, sequence, slot) keys, with
/// the payloads in a side table so sifting moves 24 bytes, never an existential.
struct EventQueue {
    /// 16 bytes: the sequence number (high 40 bits, unique per event) and the payload slot
    /// (low 24 bits) share one word, so comparing `order` compares sequence numbers.
    struct Key {
        var time: SimTime
        var order: UInt64
        @inline(__always) var slot: Int { Int(order & 0xFF_FFFF) }
        @inline(__always) var seq: UInt64 { order >> 24 }
        @inline(__always) func before(_ o: Key) -> Bool { time != o.time ? time < o.time : order < o.order }
    }

    private var heap: [Key] = []
    private var payloads: [Simulation.Payload] = []
    private var free: [Int32] = []

    init() {
        heap.reserveCapacity(1024)
        payloads.reserveCapacity(1024)
    }

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    var minTime: SimTime? { heap.first?.time }

    mutating func push(time: SimTime, seq: UInt64, payload: Simulation.Payload) {
        let slot: Int32
        if let f = free.popLast() {
            slot = f
            payloads[Int(f)] = payload
        } else {
            slot = Int32(payloads.count)
            payloads.append(payload)
        }
        var i = heap.count
        precondition(slot < 0x100_0000 && seq < (1 << 40), "event queue capacity exceeded")
        let key = Key(time: time, order: (seq << 24) | UInt64(slot))
        heap.append(key)
        while i > 0 {
            let parent = (i - 1) >> 1
            if !key.before(heap[parent]) { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = key
    }

    mutating func pop() -> Simulation.Entry? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                let r = l + 1
                let c = (r < n && heap[r].before(heap[l])) ? r : l
                if !heap[c].before(last) { break }
                heap[i] = heap[c]
                i = c
            }
            heap[i] = last
        }
        let payload = payloads[top.slot]
        payloads[top.slot] = .vacant
        free.append(Int32(top.slot))
        return Simulation.Entry(time: top.time, seq: top.seq, payload: payload)
    }
}
