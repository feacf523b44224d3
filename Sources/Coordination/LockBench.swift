import SimKernel

/// Micro-benchmark of the lock path: client and service model wired with zero latency.
public enum LockBench {
    /// Runs `count` acquire → grant → release cycles (fencing on, so each grant is SET,
    /// INCR, compare-and-delete) and returns the number of grants. Virtual time advances
    /// 1 µs per cycle; timers never fire.
    public static func acquireRelease(count: Int) -> Int {
        let service = LockServiceModel()
        let client = LockClient(instanceID: "bench", options: LockOptions())
        var grants = 0
        var now: LocalTime = 0
        var queue: [LockClientEffect] = []
        func pump(_ effects: [LockClientEffect]) {
            queue.append(contentsOf: effects)
            var i = 0
            while i < queue.count {
                let effect = queue[i]
                i += 1
                switch effect {
                case .send(let command, let cmd):
                    let reply = service.execute(cmd, now: now)
                    queue.append(contentsOf: client.handle(.reply(command: command, reply), now: now))
                case .granted:
                    grants += 1
                default:
                    break
                }
            }
            queue.removeAll(keepingCapacity: true)
        }
        let repos = ["r0", "r1", "r2", "r3"]
        for i in 0..<max(0, count) {
            let op = UInt64(i + 1)
            pump(client.handle(.acquire(op: op, repo: repos[i & 3], purpose: .push), now: now))
            pump(client.handle(.release(op: op), now: now))
            now += Time.microsecond
        }
        return grants
    }
}
