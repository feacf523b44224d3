import SimKernel
import Testing

@testable import Coordination

@Suite struct LockServiceCommands {
    @Test func setNXAndPXExpireByVirtualTime() {
        let s = LockServiceModel()
        #expect(s.execute(.set(key: "k", value: "a", nx: true, px: Time.s(2)), now: LocalTime.seconds(1)) == .ok)
        #expect(s.execute(.set(key: "k", value: "b", nx: true, px: Time.s(2)), now: LocalTime.seconds(2)) == .null)
        #expect(s.value(of: "k", now: LocalTime.seconds(3) - 1) == "a")
        // The deadline itself is already past.
        #expect(s.value(of: "k", now: LocalTime.seconds(3)) == nil)
        #expect(s.execute(.get(key: "k"), now: LocalTime.seconds(3)) == .null)
        #expect(s.execute(.set(key: "k", value: "b", nx: true, px: Time.s(2)), now: LocalTime.seconds(4)) == .ok)
        #expect(s.execute(.get(key: "k"), now: LocalTime.seconds(4)) == .bulk("b"))
        // Plain SET overwrites and, without PX, removes the expiry.
        #expect(s.execute(.set(key: "k", value: "c", nx: false, px: nil), now: LocalTime.seconds(5)) == .ok)
        #expect(s.value(of: "k", now: LocalTime(sinceZero: Time.hour)) == "c")
        #expect(s.ttl(of: "k", now: LocalTime.seconds(5)) == nil)
        #expect(s.execute(.set(key: "k", value: "d", nx: false, px: 0), now: LocalTime.seconds(5)) != .ok)
        let kinds = s.history.map { "\($0.kind.rawValue)@\($0.time.sinceStart / Time.second):\($0.value ?? "-")" }
        #expect(kinds == ["set@1:a", "expired@3:a", "set@4:b", "set@5:c"])
    }

    @Test func getDelPexpireIncr() {
        let s = LockServiceModel()
        #expect(s.execute(.get(key: "x"), now: 0) == .null)
        #expect(s.execute(.del(key: "x"), now: 0) == .integer(0))
        #expect(s.execute(.pexpire(key: "x", ttl: Time.s(1)), now: 0) == .integer(0))
        #expect(s.execute(.incr(key: "n"), now: 0) == .integer(1))
        #expect(s.execute(.incr(key: "n"), now: 0) == .integer(2))
        #expect(s.execute(.get(key: "n"), now: 0) == .bulk("2"))
        _ = s.execute(.set(key: "x", value: "v", nx: false, px: Time.s(10)), now: 0)
        #expect(s.execute(.pexpire(key: "x", ttl: Time.s(1)), now: LocalTime.seconds(5)) == .integer(1))
        #expect(s.ttl(of: "x", now: LocalTime.seconds(5)) == Time.s(1))
        #expect(s.value(of: "x", now: LocalTime.seconds(6)) == nil)
        #expect(s.execute(.incr(key: "x2"), now: LocalTime.seconds(6)) == .integer(1))
        _ = s.execute(.set(key: "t", value: "7", nx: false, px: Time.s(3)), now: LocalTime.seconds(6))
        // INCR keeps the expiry.
        #expect(s.execute(.incr(key: "t"), now: LocalTime.seconds(7)) == .integer(8))
        #expect(s.ttl(of: "t", now: LocalTime.seconds(7)) == Time.s(2))
        _ = s.execute(.set(key: "g", value: "garbage", nx: false, px: nil), now: LocalTime.seconds(7))
        if case .error = s.execute(.incr(key: "g"), now: LocalTime.seconds(7)) {
        } else {
            Issue.record("INCR of a non-integer must fail")
        }
        _ = s.execute(.set(key: "m", value: String(Int64.max), nx: false, px: nil), now: LocalTime.seconds(7))
        if case .error = s.execute(.incr(key: "m"), now: LocalTime.seconds(7)) {
        } else {
            Issue.record("INCR overflow must fail")
        }
        #expect(s.execute(.del(key: "g"), now: LocalTime.seconds(8)) == .integer(1))
        #expect(s.execute(.get(key: "g"), now: LocalTime.seconds(8)) == .null)
        // A non-positive PEXPIRE deletes the key.
        #expect(s.execute(.pexpire(key: "m", ttl: 0), now: LocalTime.seconds(8)) == .integer(1))
        #expect(s.value(of: "m", now: LocalTime.seconds(8)) == nil)
        #expect(s.history.last?.kind == .deleted)
    }

    @Test func compareAndDeleteScript() {
        let s = LockServiceModel()
        _ = s.execute(.set(key: "lock:r", value: "A", nx: true, px: Time.s(30)), now: 0)
        #expect(s.execute(.compareAndDelete(key: "lock:r", value: "B"), now: 1) == .integer(0))
        #expect(s.value(of: "lock:r", now: 1) == "A")
        #expect(s.execute(.compareAndDelete(key: "lock:r", value: "A"), now: 2) == .integer(1))
        #expect(s.value(of: "lock:r", now: 2) == nil)
        #expect(s.execute(.compareAndDelete(key: "lock:r", value: "A"), now: 3) == .integer(0))
        // An expired lease cannot be deleted any more.
        _ = s.execute(.set(key: "lock:r", value: "C", nx: true, px: Time.s(1)), now: 0)
        #expect(s.execute(.compareAndDelete(key: "lock:r", value: "C"), now: LocalTime.seconds(1)) == .integer(0))
        #expect(s.history.map(\.kind) == [.set, .deleted, .set, .expired])
    }

    @Test func compareAndPExpireScript() {
        let s = LockServiceModel()
        _ = s.execute(.set(key: "lock:r", value: "A", nx: true, px: Time.s(30)), now: 0)
        #expect(
            s.execute(.compareAndPExpire(key: "lock:r", value: "B", ttl: Time.s(30)), now: LocalTime.seconds(10))
                == .integer(0))
        #expect(s.ttl(of: "lock:r", now: LocalTime.seconds(10)) == Time.s(20))
        #expect(
            s.execute(.compareAndPExpire(key: "lock:r", value: "A", ttl: Time.s(30)), now: LocalTime.seconds(10))
                == .integer(1))
        #expect(s.ttl(of: "lock:r", now: LocalTime.seconds(10)) == Time.s(30))
        #expect(
            s.execute(.compareAndPExpire(key: "lock:r", value: "A", ttl: Time.s(30)), now: LocalTime.seconds(40))
                == .integer(0))
        #expect(s.value(of: "lock:r", now: LocalTime.seconds(40)) == nil)
        let ext = s.history.filter { $0.kind == .extended }
        #expect(ext.count == 1 && ext[0].expiresAt == SimTime.seconds(40) && ext[0].value == "A")
    }
}

@Suite struct LockServiceFailover {
    @Test func failoverWithLagLosesExactlyTheRecentWrites() {
        let s = LockServiceModel(failoverLag: Time.s(3))
        _ = s.execute(.set(key: "a", value: "a1", nx: false, px: nil), now: LocalTime.seconds(1))
        // Written before the cut, but its deadline (9 s) has passed at failover time.
        _ = s.execute(.set(key: "p", value: "p1", nx: false, px: Time.s(8)), now: LocalTime.seconds(1))
        _ = s.execute(.set(key: "gone", value: "g", nx: false, px: nil), now: LocalTime.seconds(2))
        _ = s.execute(.set(key: "b", value: "b1", nx: false, px: nil), now: LocalTime.seconds(5))
        _ = s.execute(.incr(key: "n"), now: LocalTime.seconds(6))
        _ = s.execute(.incr(key: "n"), now: LocalTime.seconds(7))  // kept: at the cut
        _ = s.execute(.incr(key: "n"), now: LocalTime.seconds(8))  // lost
        _ = s.execute(.set(key: "a", value: "a2", nx: false, px: nil), now: LocalTime.seconds(8))  // lost
        _ = s.execute(.pexpire(key: "p", ttl: Time.s(60)), now: LocalTime.seconds(8))  // lost
        _ = s.execute(.del(key: "gone"), now: LocalTime.seconds(9))  // lost
        _ = s.execute(.set(key: "c", value: "c1", nx: false, px: nil), now: LocalTime.seconds(10))  // lost
        let before = s.history.count
        s.failover(now: LocalTime.seconds(10))
        #expect(s.value(of: "a", now: LocalTime.seconds(10)) == "a1")
        #expect(s.value(of: "b", now: LocalTime.seconds(10)) == "b1")
        #expect(s.value(of: "gone", now: LocalTime.seconds(10)) == "g")
        #expect(s.value(of: "c", now: LocalTime.seconds(10)) == nil)
        #expect(s.value(of: "p", now: LocalTime.seconds(10)) == nil)
        let reverts = s.history[before...].filter { $0.kind == .failoverReverted }
        #expect(reverts.map(\.key) == ["a", "c", "gone", "n", "p"])
        #expect(reverts.map(\.value) == ["a1", nil, "g", "2", nil])
        #expect(s.execute(.incr(key: "n"), now: LocalTime.seconds(10)) == .integer(3))
        #expect(s.failoverCount == 1)
    }

    @Test func failoverWithoutLagLosesNothing() {
        let s = LockServiceModel()
        _ = s.execute(.set(key: "lock:r", value: "A", nx: true, px: Time.s(30)), now: LocalTime.seconds(1))
        _ = s.execute(.incr(key: "fence:r"), now: LocalTime.seconds(1))
        let before = s.history
        s.failover(now: LocalTime.seconds(1))
        #expect(s.history == before)
        #expect(s.value(of: "lock:r", now: LocalTime.seconds(1)) == "A")
        #expect(
            s.execute(.set(key: "lock:r", value: "B", nx: true, px: Time.s(30)), now: LocalTime.seconds(2)) == .null)
        #expect(s.execute(.incr(key: "fence:r"), now: LocalTime.seconds(2)) == .integer(2))
    }

    @Test func holderReplaysHistoryWithExpiry() {
        let s = LockServiceModel()
        #expect(s.holder(of: "lock:r", at: 0) == nil)
        _ = s.execute(.set(key: "lock:r", value: "A", nx: true, px: Time.s(10)), now: LocalTime.seconds(1))
        _ = s.execute(.compareAndPExpire(key: "lock:r", value: "A", ttl: Time.s(10)), now: LocalTime.seconds(5))
        // Nothing touches the service between 15 s and 20 s: the expiry is still exact.
        _ = s.execute(.set(key: "lock:r", value: "B", nx: true, px: Time.s(10)), now: LocalTime.seconds(20))
        _ = s.execute(.compareAndDelete(key: "lock:r", value: "B"), now: LocalTime.seconds(22))
        #expect(s.holder(of: "lock:r", at: SimTime.seconds(1) - 1) == nil)
        #expect(s.holder(of: "lock:r", at: SimTime.seconds(1)) == "A")
        #expect(s.holder(of: "lock:r", at: SimTime.seconds(12)) == "A")  // extended past 11 s
        #expect(s.holder(of: "lock:r", at: SimTime.seconds(15) - 1) == "A")
        #expect(s.holder(of: "lock:r", at: SimTime.seconds(15)) == nil)
        #expect(s.holder(of: "lock:r", at: SimTime.seconds(21)) == "B")
        #expect(s.holder(of: "lock:r", at: SimTime.seconds(22)) == nil)
        #expect(s.holder(of: "other", at: SimTime.seconds(21)) == nil)
        let t = s.tenures(of: "lock:r")
        #expect(
            t == [
                LockTenure(value: "A", from: SimTime.seconds(1), until: SimTime.seconds(15)),
                LockTenure(value: "B", from: SimTime.seconds(20), until: SimTime.seconds(22)),
            ])
        // The expiry noticed at 20 s is recorded at its deadline, keeping history in time order.
        #expect(s.history.map(\.time) == s.history.map(\.time).sorted())
    }
}

/// The service keeps expiry in its own clock but its history in global time, so checks can
/// set it beside other nodes' events even when its clock is skewed.
@Suite struct LockServiceClocks {
    @Test func historyIsGlobalWhenTheServiceClockIsSkewed() {
        let s = LockServiceModel()
        var global = SimTime.seconds(100)
        s.globalClock = { global }
        // The service's clock reads 30 s ahead of the global clock.
        #expect(s.execute(.set(key: "k", value: "a", nx: true, px: Time.s(10)), now: LocalTime.seconds(130)) == .ok)
        #expect(s.history[0].time == SimTime.seconds(100))
        #expect(s.history[0].expiresAt == SimTime.seconds(110))
        #expect(s.holder(of: "k", at: SimTime.seconds(109)) == "a")
        #expect(s.holder(of: "k", at: SimTime.seconds(110)) == nil)
        // Expiry is judged in the service's clock: at local 140 s the key is gone.
        global = SimTime.seconds(110)
        #expect(s.execute(.get(key: "k"), now: LocalTime.seconds(140)) == .null)
        #expect(s.history.last?.kind == .expired && s.history.last?.time == SimTime.seconds(110))
    }

    /// A forward step of the service's clock expires a lease early in global time: the
    /// expiry is recorded no earlier than the events before it, and each event keeps the
    /// deadline as the service's own clock set it (what a failover restores).
    @Test func historyStaysOrderedWhenTheServiceClockJumps() {
        let s = LockServiceModel(failoverLag: Time.s(5))
        var global = SimTime.seconds(100)
        s.globalClock = { global }
        #expect(s.execute(.set(key: "k", value: "a", nx: true, px: Time.s(10)), now: LocalTime.seconds(100)) == .ok)
        // The clock jumps 60 s ahead one second later: the lease is gone at the next command.
        global = SimTime.seconds(102)
        #expect(s.execute(.get(key: "k"), now: LocalTime.seconds(162)) == .null)
        let times = s.history.map(\.time)
        #expect(times == times.sorted())
        #expect(s.history.last?.kind == .expired)
        #expect(s.history.last.map { $0.time >= SimTime.seconds(100) && $0.time <= SimTime.seconds(102) } == true)
        #expect(s.execute(.set(key: "m", value: "b", nx: true, px: Time.s(30)), now: LocalTime.seconds(162)) == .ok)
        #expect(s.history.last?.serviceExpiresAt == LocalTime.seconds(192))
    }
}

/// The lock messages write their trace labels without building them; the bytes must be
/// the labels' own.
@Suite struct LockTraceLabels {
    static func written(_ body: (inout TraceText) -> Void) -> String {
        var t = TraceText()
        body(&t)
        return t.text
    }

    @Test func commandLabelsAreWrittenExactly() {
        let commands: [LockCommand] = [
            .set(key: "lock:r", value: "relay#1:3:9", nx: true, px: Time.s(30)),
            .set(key: "lock:r", value: "v", nx: false, px: nil),
            .set(key: "k", value: "", nx: true, px: nil),
            .get(key: "lock:ü"), .del(key: "lock:r"), .pexpire(key: "lock:r", ttl: Time.ms(1_500)),
            .incr(key: "fence:r"), .compareAndDelete(key: "lock:r", value: "a:1:2"),
            .compareAndPExpire(key: "lock:r", value: "a:1:2", ttl: Time.s(30)),
        ]
        for c in commands { #expect(Self.written { c.writeTraceLabel(&$0) } == c.traceLabel) }
    }

    @Test func replyLabelsAreWrittenExactly() {
        let replies: [LockReply] = [
            .ok, .null, .integer(0), .integer(-3), .integer(Int64.max), .bulk("x y"), .error("e"),
        ]
        for r in replies { #expect(Self.written { r.writeTraceLabel(&$0) } == r.traceLabel) }
    }
}

/// `execute(_:now:valueBefore:)` gives what `value(of:now:)` says just before the command,
/// over random commands with expiries (it reads the value from the look-up the command
/// executes with; a value read before the sweep of expired keys would differ).
@Suite struct LockServiceValueBefore {
    @Test func valueBeforeIsTheValueJustBeforeTheCommand() {
        var rng = SplitMix64(seed: 11)
        let a = LockServiceModel()
        var now = LocalTime.seconds(0)
        var expired = 0
        for _ in 0..<5_000 {
            now = now + Time.ms(Int64(rng.next() % 700))
            let key = "k\(rng.next() % 3)"
            let value = "v\(rng.next() % 3)"
            let ttl: SimDuration = Time.ms(Int64(rng.next() % 2_000) + 1)
            let command: LockCommand
            switch rng.next() % 7 {
            case 0: command = .set(key: key, value: value, nx: rng.next() % 2 == 0, px: rng.next() % 4 == 0 ? nil : ttl)
            case 1: command = .get(key: key)
            case 2: command = .del(key: key)
            case 3: command = .pexpire(key: key, ttl: ttl)
            case 4: command = .incr(key: key)
            case 5: command = .compareAndDelete(key: key, value: value)
            default: command = .compareAndPExpire(key: key, value: value, ttl: ttl)
            }
            let expected = a.value(of: command.key, now: now)
            if expected == nil, a.events(of: command.key).last?.kind == .set { expired += 1 }
            var before: String? = "unset"
            _ = a.execute(command, now: now, valueBefore: &before)
            #expect(before == expected)
        }
        #expect(expired > 0, "some keys must have expired before a command for the comparison to mean anything")
    }
}
