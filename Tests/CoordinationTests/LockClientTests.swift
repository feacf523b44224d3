import SimKernel
import Testing

@testable import Coordination

private let lockR = "lock:r"

/// Drives a bare client to a grant by answering its commands by hand. Returns the effects
/// of the granting step (they include the first heartbeat timer).
private func grantByHand(_ c: LockClient, op: UInt64, repo: String, now: LocalTime = 0) -> [LockClientEffect] {
    let e1 = c.handle(.acquire(op: op, repo: repo, purpose: .push), now: now)
    let e2 = c.handle(.reply(command: e1.commands[0].id, .ok), now: now)
    guard c.options.fencing else { return e2 }
    return c.handle(.reply(command: e2.commands[0].id, .integer(1)), now: now)
}

@Suite struct LockClientAcquisition {
    @Test func tokensIncreaseStrictlyPerRepositoryAcrossGrants() {
        let net = LockNet()
        let a = net.addClient("A")
        let b = net.addClient("B")
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.milliseconds(10), a, .release(op: 1))
        net.at(SimTime.milliseconds(20), a, .acquire(op: 2, repo: "r", purpose: .advertisement))
        net.at(SimTime.milliseconds(30), a, .release(op: 2))
        net.at(SimTime.milliseconds(40), b, .acquire(op: 1, repo: "r", purpose: .background))
        net.at(SimTime.milliseconds(40), b, .acquire(op: 2, repo: "r2", purpose: .push))
        net.run(until: SimTime.seconds(1))
        #expect(net.grants(of: a).map(\.token) == [1, 2])
        #expect(net.grants(of: b).map(\.op) == [1, 2])
        #expect(net.grants(of: b).map(\.token) == [3, 1])  // r continues, r2 has its own counter
        #expect(net.grants(of: a).first?.time == SimTime.milliseconds(4))  // SET + INCR round trips
        #expect(net.clients[b].holding.map(\.repo) == ["r", "r2"])
        #expect(net.service.value(of: lockR, now: net.clockReading) == net.clients[b].lease(of: 1))
        // Every lease value is distinct.
        let leases = net.executed.compactMap { x -> String? in
            if case .set(_, let v, _, _) = x.command { return v } else { return nil }
        }
        #expect(leases.count == 4 && Set(leases).count == 4)
        #expect(LockClient.instance(ofLease: leases[0]) == "A")
    }

    @Test func inProcessGuardDeniesWithoutTouchingTheService() {
        let c = LockClient(instanceID: "A", options: LockOptions())
        let e1 = c.handle(.acquire(op: 1, repo: "r", purpose: .push), now: 0)
        #expect(e1.commands.map(\.command) == [.set(key: lockR, value: "A:1:1", nx: true, px: Time.s(30))])
        let e2 = c.handle(.acquire(op: 2, repo: "r", purpose: .push), now: 0)
        #expect(e2.rendered == ["denied 2 r in-progress"])
        let e3 = c.handle(.reply(command: e1.commands[0].id, .ok), now: 1)
        #expect(e3.commands.map(\.command) == [.incr(key: "fence:r")])
        #expect(
            c.handle(.acquire(op: 3, repo: "r", purpose: .background), now: 1).rendered == ["denied 3 r in-progress"])
        let e4 = c.handle(.reply(command: e3.commands[0].id, .integer(7)), now: 2)
        #expect(e4.rendered.last == "granted 1 r 7")
        #expect(c.handle(.acquire(op: 4, repo: "r", purpose: .push), now: 3).rendered == ["denied 4 r in-progress"])
        // Another repository is independent.
        #expect(c.handle(.acquire(op: 5, repo: "s", purpose: .push), now: 3).commands.count == 1)
        let rel = c.handle(.release(op: 1), now: 4)
        #expect(
            rel.rendered.filter { !$0.hasPrefix("timer") }
                == ["send #\(rel.commands[0].id) CAD lock:r A:1:1", "released 1 r"])
        #expect(c.handle(.acquire(op: 6, repo: "r", purpose: .push), now: 5).commands.count == 1)
    }

    @Test func backgroundIsDeniedLockHeldAtOnce() {
        let net = LockNet()
        let a = net.addClient("A")
        let b = net.addClient("B")
        net.at(0, b, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.milliseconds(100), a, .acquire(op: 9, repo: "r", purpose: .background))
        net.run(until: SimTime.seconds(5))
        #expect(net.denials(of: a).map(\.denial) == [.lockHeld])
        #expect(net.denials(of: a).first?.time == SimTime.milliseconds(102))
        #expect(net.setTimes(of: a) == [SimTime.milliseconds(100)])
        #expect(net.sent(by: a).count == 1)
        #expect(net.grants(of: a).isEmpty)
        // The denied op is gone: its release is a no-op and the guard is free again.
        #expect(net.clients[a].handle(.release(op: 9), now: net.clockReading).isEmpty)
        #expect(
            net.clients[a].handle(.acquire(op: 10, repo: "r", purpose: .background), now: net.clockReading).commands
                .count == 1)
    }

    @Test func pushRetriesOn100_200_400_500ScheduleAndGivesUpWithinBudget() {
        let net = LockNet(latency: 0)
        let a = net.addClient("A")
        let b = net.addClient("B")
        net.at(0, b, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.run(until: SimTime.seconds(8))
        let expected: [Int64] = [0, 100, 300, 700, 1200, 1700, 2200, 2700, 3200, 3700, 4200, 4700]
        #expect(net.setTimes(of: a) == expected.map(SimTime.milliseconds))
        #expect(net.denials(of: a).map(\.denial) == [.lockHeld])
        #expect(net.denials(of: a).first?.time == SimTime.milliseconds(4700))
        #expect(net.grants(of: b).count == 1 && net.aborts(of: b).isEmpty)
        let values = net.sent(by: a).compactMap { x -> String? in
            if case .set(_, let v, _, _) = x.command { return v } else { return nil }
        }
        #expect(Set(values).count == values.count)  // a fresh lease per attempt
    }

    @Test func advertisementRetryBudgetCountsRoundTrips() {
        let net = LockNet(latency: Time.ms(1))
        let a = net.addClient("A")
        let b = net.addClient("B")
        net.at(0, b, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.milliseconds(10), a, .acquire(op: 1, repo: "r", purpose: .advertisement))
        net.run(until: SimTime.seconds(8))
        let times = net.setTimes(of: a)
        let gaps = zip(times.dropFirst(), times).map { ($0 - $1) / Time.millisecond }
        #expect(gaps == [102, 202, 402, 502, 502, 502, 502, 502, 502, 502, 502])
        // Last failure at 4.724 s after start: 4.724 + 0.5 > 5 → denied then.
        #expect(net.denials(of: a).map(\.time) == [SimTime.milliseconds(10 + 4724)])
    }

    @Test func pushRetryIsGrantedOnceTheHolderReleases() {
        let net = LockNet(latency: 0)
        let a = net.addClient("A")
        let b = net.addClient("B")
        net.at(0, b, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.milliseconds(250), b, .release(op: 1))
        net.run(until: SimTime.seconds(2))
        #expect(net.setTimes(of: a) == [0, SimTime.milliseconds(100), SimTime.milliseconds(300)])
        #expect(net.grants(of: a).map(\.time) == [SimTime.milliseconds(300)])
        #expect(net.grants(of: a).map(\.token) == [2])
        #expect(net.denials(of: a).isEmpty)
    }

    @Test(arguments: [false, true])
    func noRetryFaultDeniesPushAtOnce(fault: Bool) {  // SPEC §8.8
        let net = LockNet()
        let a = net.addClient("A") { $0.faultNoPushRetry = fault }
        let b = net.addClient("B")
        net.at(0, b, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.milliseconds(10), a, .acquire(op: 1, repo: "r", purpose: .push))
        net.run(until: SimTime.seconds(8))
        #expect(net.denials(of: a).map(\.denial) == [.lockHeld])
        if fault {
            #expect(net.setTimes(of: a).count == 1)
            #expect(net.denials(of: a).first?.time == SimTime.milliseconds(12))
        } else {
            #expect(net.setTimes(of: a).count == 12)
            #expect(net.denials(of: a).first!.time > SimTime.seconds(4))
        }
    }

    @Test func fencingOffGrantsWithoutToken() {
        let net = LockNet()
        let a = net.addClient("A") { $0.fencing = false }
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.run(until: SimTime.seconds(1))
        #expect(net.grants(of: a).count == 1)
        #expect(net.grants(of: a).map(\.token) == [nil])
        #expect(net.grants(of: a).first?.time == SimTime.milliseconds(2))
        #expect(!net.sent(by: a).contains { if case .incr = $0.command { return true } else { return false } })
        #expect(net.clients[a].holding.map(\.op) == [1])
    }

    @Test func setErrorIsAFailedAttempt() {
        let c = LockClient(instanceID: "A", options: LockOptions())
        let e1 = c.handle(.acquire(op: 1, repo: "r", purpose: .push), now: 0)
        let e2 = c.handle(.reply(command: e1.commands[0].id, .error("LOADING")), now: LocalTime.milliseconds(1))
        #expect(e2.timers.map(\.after) == [Time.ms(100)])
        #expect(e2.commands.isEmpty)
        let e3 = c.handle(.timer(e2.timers[0].id), now: LocalTime.milliseconds(101))
        #expect(e3.commands.map(\.command) == [.set(key: lockR, value: "A:1:2", nx: true, px: Time.s(30))])
        let bg = LockClient(instanceID: "B", options: LockOptions())
        let f1 = bg.handle(.acquire(op: 1, repo: "r", purpose: .background), now: 0)
        #expect(
            bg.handle(.reply(command: f1.commands[0].id, .error("LOADING")), now: 1).rendered == [
                "denied 1 r unavailable"
            ])
    }
}

@Suite struct LockClientFencing {
    @Test func incrErrorReleasesTheLeaseAndCountsAsFailure() {
        let net = LockNet()
        let a = net.addClient("A")
        net.at(0) { _ = net.service.execute(.set(key: "fence:r", value: "garbage", nx: false, px: nil), now: 0) }
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.run(until: SimTime.seconds(8))
        #expect(net.denials(of: a).map(\.denial) == [.unavailable])
        #expect(net.grants(of: a).isEmpty)
        let sets = net.setTimes(of: a).count
        let cads = net.sent(by: a).filter {
            if case .compareAndDelete = $0.command { return true } else { return false }
        }
        #expect(sets > 1 && cads.count == sets)
        #expect(net.service.value(of: lockR, now: net.clockReading) == nil)
        #expect(net.service.history.filter { $0.key == lockR }.map(\.kind).allSatisfy { $0 == .set || $0 == .deleted })
    }

    @Test func incrTimeoutReleasesTheLeaseForBackground() {
        let net = LockNet()
        let a = net.addClient("A")
        net.dropRequest = { _, cmd, _ in if case .incr = cmd { return true } else { return false } }
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .background))
        net.run(until: SimTime.seconds(3))
        #expect(net.denials(of: a).map(\.denial) == [.unavailable])
        #expect(net.denials(of: a).first?.time == SimTime.milliseconds(1002))
        #expect(net.service.value(of: lockR, now: LocalTime.milliseconds(1004)) == nil)
        #expect(net.service.holder(of: lockR, at: SimTime.milliseconds(500)) != nil)
    }

    @Test func failoverWithLagGrantsTheLockTwiceWithTheSameToken() {
        let net = LockNet(failoverLag: Time.s(5))
        let a = net.addClient("A")
        let b = net.addClient("B")
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.seconds(1)) { net.service.failover(now: net.clockReading) }
        net.at(SimTime.seconds(2), b, .acquire(op: 1, repo: "r", purpose: .push))
        net.run(until: SimTime.seconds(3))
        let leaseA = net.clients[a].lease(of: 1)
        let leaseB = net.clients[b].lease(of: 1)
        #expect(leaseA != nil && leaseB != nil && leaseA != leaseB)
        #expect(net.service.holder(of: lockR, at: SimTime.milliseconds(500)) == leaseA)
        #expect(net.service.holder(of: lockR, at: SimTime.seconds(3)) == leaseB)
        // Both believe they hold the lock, and the token did not survive the failover.
        #expect(net.clients[a].holding.map(\.repo) == ["r"])
        #expect(net.clients[b].holding.map(\.repo) == ["r"])
        #expect(net.grants(of: a).map(\.token) == [1])
        #expect(net.grants(of: b).map(\.token) == [1])
        #expect(net.service.tenures(of: lockR).map(\.value) == [leaseA!, leaseB!])
        #expect(net.service.tenures(of: lockR).first?.until == SimTime.seconds(1))
        // A's next heartbeat notices and aborts it.
        net.run(until: SimTime.seconds(11))
        #expect(net.aborts(of: a).map(\.time) == [SimTime.milliseconds(10_006)])
        #expect(net.aborts(of: b).isEmpty)
    }
}

@Suite struct LockClientHeartbeat {
    @Test func heartbeatKeepsALongHoldersLock() {
        let net = LockNet()
        let a = net.addClient("A")
        let b = net.addClient("B")
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.seconds(40), b, .acquire(op: 1, repo: "r", purpose: .background))
        net.at(SimTime.seconds(70), b, .acquire(op: 2, repo: "r", purpose: .background))
        net.run(until: SimTime.seconds(1))
        let lease = net.clients[a].lease(of: 1)
        #expect(lease != nil)
        net.at(SimTime.seconds(100), a, .release(op: 1))
        net.run(until: SimTime.seconds(120))
        #expect(net.aborts(of: a).isEmpty)
        #expect(net.denials(of: b).map(\.denial) == [.lockHeld, .lockHeld])
        for ns in stride(
            from: Time.ms(4).nanoseconds, through: Time.s(100).nanoseconds, by: Int(Time.ms(500).nanoseconds))
        {
            let t = SimTime(nanoseconds: ns)
            #expect(net.service.holder(of: lockR, at: t) == lease, "at \(Time.format(t))")
        }
        #expect(net.service.holder(of: lockR, at: SimTime.milliseconds(100_001)) == nil)
        let beats = net.sent(by: a).filter {
            if case .compareAndPExpire = $0.command { return true } else { return false }
        }
        #expect(beats.map(\.time) == (1...9).map { SimTime.seconds(Int64($0) * 10) + Time.ms(4) })
        #expect(net.clients[a].holding.isEmpty)
    }

    @Test func anotherValueInTheKeyAbortsExactlyOnce() {
        let net = LockNet()
        let a = net.addClient("A")
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.seconds(5)) {
            _ = net.service.execute(.set(key: lockR, value: "intruder", nx: false, px: nil), now: net.clockReading)
        }
        net.run(until: SimTime.seconds(60))
        #expect(net.aborts(of: a).map(\.time) == [SimTime.milliseconds(10_006)])
        #expect(net.clients[a].isAborted(op: 1))
        #expect(net.clients[a].holding.map(\.op) == [1])  // still believes it holds until it releases
        let beats = net.sent(by: a).filter {
            if case .compareAndPExpire = $0.command { return true } else { return false }
        }
        #expect(beats.count == 1)
        net.at(SimTime.seconds(60), a, .release(op: 1))
        net.run(until: SimTime.seconds(61))
        #expect(net.service.value(of: lockR, now: net.clockReading) == "intruder")
        #expect(!net.clients[a].isAborted(op: 1))
        #expect(net.clients[a].holding.isEmpty)
    }

    @Test func unreachableServiceAbortsExactlyOnce() {
        let net = LockNet()
        let a = net.addClient("A")
        net.dropRequest = { _, _, t in t >= SimTime.seconds(5) }
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.run(until: SimTime.seconds(60))
        #expect(net.aborts(of: a).map(\.time) == [SimTime.milliseconds(11_004)])
        #expect(net.aborts(of: a).first?.reason == "heartbeat timed out")
        #expect(net.sent(by: a).count == 3)  // SET, INCR, one heartbeat
    }

    @Test func heartbeatErrorAbortsAndLaterTimersAreIgnored() {
        let c = LockClient(instanceID: "A", options: LockOptions())
        let g = grantByHand(c, op: 1, repo: "r")
        #expect(g.timers.map(\.after) == [Time.s(10)])
        let hb = c.handle(.timer(g.timers[0].id), now: LocalTime.seconds(10))
        #expect(hb.commands.map(\.command) == [.compareAndPExpire(key: lockR, value: "A:1:1", ttl: Time.s(30))])
        #expect(hb.timers.map(\.after) == [Time.s(1), Time.s(10)])
        let r = c.handle(.reply(command: hb.commands[0].id, .error("READONLY")), now: Time.s(10) + 1)
        #expect(r.rendered == ["aborted 1 r heartbeat: ERR READONLY"])
        #expect(c.isAborted(op: 1))
        for t in hb.timers { #expect(c.handle(.timer(t.id), now: LocalTime.seconds(20)).isEmpty) }
        #expect(c.handle(.reply(command: hb.commands[0].id, .integer(1)), now: LocalTime.seconds(20)).isEmpty)
    }

    @Test func heartbeatTimerAfterReleaseIsIgnored() {
        let c = LockClient(instanceID: "A", options: LockOptions())
        let g = grantByHand(c, op: 1, repo: "r")
        #expect(c.handle(.release(op: 1), now: 1).rendered.last == "released 1 r")
        #expect(c.handle(.timer(g.timers[0].id), now: LocalTime.seconds(10)).isEmpty)
        #expect(c.handle(.release(op: 1), now: LocalTime.seconds(11)).isEmpty)
        #expect(c.handle(.release(op: 42), now: LocalTime.seconds(11)).isEmpty)
    }

    @Test(arguments: [false, true])
    func heartbeatWithoutCompareExtendsAnotherHoldersLock(fault: Bool) {  // SPEC §8.4
        let net = LockNet()
        let a = net.addClient("A") { $0.faultHeartbeatWithoutCompare = fault }
        let b = net.addClient("B") { $0.heartbeatFraction = 10 }  // B never heartbeats in this window
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.seconds(1)) { net.pausedUntil[a] = SimTime.seconds(45) }  // A stalls (GC, I/O) past its ttl
        net.at(SimTime.seconds(31), b, .acquire(op: 1, repo: "r", purpose: .push))
        net.run(until: SimTime.seconds(70))
        #expect(net.grants(of: a).count == 1)
        #expect(net.grants(of: b).count == 1)
        let leaseB = net.clients[b].lease(of: 1)
        let extendedB = net.service.events(of: lockR).filter { $0.kind == .extended && $0.value == leaseB }
        if fault {
            #expect(!extendedB.isEmpty)
            #expect(net.aborts(of: a).isEmpty)
            // B's lease would have lapsed at 61.001 s; A keeps it alive and still believes it holds.
            #expect(net.service.holder(of: lockR, at: SimTime.seconds(65)) == leaseB)
            #expect(net.clients[a].holding.map(\.repo) == ["r"])
        } else {
            #expect(extendedB.isEmpty)
            #expect(net.aborts(of: a).count == 1)
            #expect(net.service.holder(of: lockR, at: SimTime.seconds(65)) == nil)
        }
    }
}

@Suite struct LockClientRelease {
    @Test(arguments: [false, true])
    func plainDeleteReleaseDeletesAnotherHoldersLock(fault: Bool) {  // SPEC §8.3
        let net = LockNet()
        let a = net.addClient("A") { $0.faultPlainDeleteRelease = fault }
        let b = net.addClient("B")
        net.dropRequest = { c, _, t in c == a && t >= SimTime.seconds(1) && t < SimTime.seconds(40) }
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.seconds(31), b, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.seconds(41), a, .release(op: 1))
        net.run(until: SimTime.seconds(42))
        #expect(net.aborts(of: a).count == 1)
        #expect(net.grants(of: b).map(\.token) == [2])
        let leaseB = net.clients[b].lease(of: 1)
        #expect(net.clients[b].holding.map(\.op) == [1])
        if fault {
            #expect(net.sent(by: a).last?.command == .del(key: lockR))
            #expect(net.service.value(of: lockR, now: net.clockReading) == nil)
        } else {
            #expect(net.service.value(of: lockR, now: net.clockReading) == leaseB)
        }
        #expect(net.service.holder(of: lockR, at: SimTime.seconds(40)) == leaseB)
    }

    @Test func releaseWhileAcquiringCleansUpTheLease() {
        let net = LockNet()
        let a = net.addClient("A")
        let b = net.addClient("B")
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime(sinceStart: 500 * Time.microsecond), a, .release(op: 1))  // SET in flight
        net.at(SimTime.milliseconds(10), a, .acquire(op: 2, repo: "s", purpose: .push))
        net.at(SimTime.milliseconds(12) + 500 * Time.microsecond, a, .release(op: 2))  // INCR in flight
        net.at(SimTime.milliseconds(20), b, .acquire(op: 1, repo: "r", purpose: .background))
        net.at(SimTime.milliseconds(20), b, .acquire(op: 2, repo: "s", purpose: .background))
        net.run(until: SimTime.seconds(1))
        #expect(net.grants(of: a).isEmpty)
        let released: [UInt64] = net.effects(of: a).compactMap {
            if case .released(let op, _) = $0.effect { return op } else { return nil }
        }
        #expect(released == [1, 2])
        #expect(net.grants(of: b).map(\.op) == [1, 2])
        #expect(net.service.holder(of: lockR, at: SimTime.milliseconds(5)) == nil)
        #expect(net.service.holder(of: "lock:s", at: SimTime.milliseconds(15)) == nil)
    }
}

@Suite struct LockClientLateRepliesAndReset {
    @Test func lateOkToATimedOutSetIsCleanedUp() {
        let net = LockNet()
        let a = net.addClient("A")
        net.extraReplyDelay = { _, cmd in
            if case .set(_, let v, _, _) = cmd, v == "A:1:1" { return Time.ms(1500) } else { return 0 }
        }
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.run(until: SimTime.seconds(5))
        #expect(net.sent(by: a).contains { $0.command == .compareAndDelete(key: lockR, value: "A:1:1") })
        #expect(
            net.effects(of: a).contains {
                if case .trace("lock.late-ok", _) = $0.effect { return true } else { return false }
            })
        #expect(net.grants(of: a).count == 1)
        let lease = net.clients[a].lease(of: 1)
        #expect(lease != nil && lease != "A:1:1")
        #expect(net.service.value(of: lockR, now: net.clockReading) == lease)
        #expect(net.grants(of: a).first!.time < SimTime.seconds(2))
    }

    @Test func lateOkAfterBackgroundTimeoutIsCleanedUp() {
        let net = LockNet()
        let a = net.addClient("A")
        net.extraReplyDelay = { _, cmd in if case .set = cmd { return Time.ms(1500) } else { return 0 } }
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .background))
        net.run(until: SimTime.seconds(3))
        #expect(net.denials(of: a).map(\.denial) == [.unavailable])
        #expect(net.denials(of: a).first?.time == SimTime.seconds(1))
        #expect(net.service.value(of: lockR, now: net.clockReading) == nil)
        #expect(net.service.holder(of: lockR, at: SimTime.milliseconds(1500)) == "A:1:1")
    }

    @Test func lateNonOkRepliesAreIgnored() {
        let c = LockClient(instanceID: "A", options: LockOptions())
        let e1 = c.handle(.acquire(op: 1, repo: "r", purpose: .push), now: 0)
        #expect(e1.timers.map(\.after) == [Time.s(1)])
        let t = c.handle(.timer(e1.timers[0].id), now: LocalTime.seconds(1))
        #expect(t.timers.map(\.after) == [Time.ms(100)])
        #expect(c.handle(.reply(command: e1.commands[0].id, .null), now: Time.s(1) + 1).isEmpty)
        #expect(c.handle(.reply(command: 999, .ok), now: Time.s(1) + 1).isEmpty)
    }

    @Test func resetForgetsEverythingAndIgnoresOldTimersAndReplies() {
        let net = LockNet()
        let a = net.addClient("A")
        net.at(0, a, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.seconds(5)) { net.clients[a].reset() }
        net.run(until: SimTime.seconds(5))
        #expect(net.clients[a].holding.isEmpty)
        #expect(net.clients[a].isIdle)
        let before = net.log.count
        net.run(until: SimTime.seconds(19))
        #expect(net.log.count == before)  // the old heartbeat timer fired and was ignored
        // Op ids may repeat after a crash; the new lease differs, so the old one blocks it until its ttl.
        net.at(SimTime.seconds(20), a, .acquire(op: 1, repo: "r", purpose: .push))
        net.at(SimTime.seconds(40), a, .acquire(op: 2, repo: "r", purpose: .push))
        net.run(until: SimTime.seconds(45))
        let after = net.grants(of: a).filter { $0.time > SimTime.seconds(5) }
        #expect(net.grants(of: a).count == 2)
        #expect(net.denials(of: a).map(\.op) == [1])
        #expect(net.denials(of: a).first!.time < SimTime.seconds(30))
        #expect(after.map(\.op) == [2])
        #expect(after.map(\.token) == [2])
        #expect(net.clients[a].lease(of: 2) != "A:1:1")

        // A late OK arriving after a crash is not cleaned up (the crashed process cannot).
        let c = LockClient(instanceID: "C", options: LockOptions())
        let e = c.handle(.acquire(op: 1, repo: "r", purpose: .push), now: 0)
        c.reset()
        #expect(c.handle(.reply(command: e.commands[0].id, .ok), now: 1).isEmpty)
        #expect(c.handle(.timer(e.timers[0].id), now: LocalTime.seconds(1)).isEmpty)
    }
}

@Suite struct LockDeterminismAndBench {
    private func scenario() -> ([String], [LockServiceEvent]) {
        let net = LockNet()
        let a = net.addClient("A")
        let b = net.addClient("B") { $0.faultPlainDeleteRelease = true }
        net.dropRequest = { c, _, t in c == a && t >= SimTime.seconds(1) && t < SimTime.seconds(40) }
        for i in 0..<6 {
            net.at(
                SimTime.milliseconds(Int64(i) * 7), i % 2 == 0 ? a : b,
                .acquire(op: UInt64(i), repo: "r\(i % 3)", purpose: .push))
        }
        net.at(SimTime.seconds(31), b, .acquire(op: 10, repo: "r0", purpose: .push))
        net.at(SimTime.seconds(41), a, .release(op: 0))
        net.run(until: SimTime.seconds(60))
        return (net.transcript, net.service.history)
    }

    @Test func sameInputsSameTranscript() {
        let (t1, h1) = scenario()
        let (t2, h2) = scenario()
        #expect(t1.count > 20)
        #expect(t1 == t2)
        #expect(h1 == h2)
    }

    @Test func benchRunsEveryCycle() {
        #expect(LockBench.acquireRelease(count: 200) == 200)
        #expect(LockBench.acquireRelease(count: 0) == 0)
    }
}

/// The lock client's acquisition phases change only along set → (fence →) hold, or back
/// off and set again; `move` stops the process on anything else.
@Suite struct LockPhaseTests {
    @Test func onlyTheAcquisitionPathsAreAllowed() {
        let phases: [LockClient.Phase] = [.setting, .backingOff, .fencing, .holding]
        var allowed: [String] = []
        for a in phases { for b in phases where a.mayBecome(b) { allowed.append("\(a)->\(b)") } }
        #expect(
            allowed.sorted() == [
                "backingOff->setting", "fencing->backingOff", "fencing->holding",
                "setting->backingOff", "setting->fencing", "setting->holding",
            ])
    }
}

/// The fast queries answer exactly what the list-building ones do.
@Suite struct LockClientQueries {
    @Test func instanceOfLeaseDropsTheLastTwoParts() {
        func reference(_ lease: String) -> String {
            var parts = lease.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count >= 3 { parts.removeLast(2) }
            return parts.joined(separator: ":")
        }
        for lease in ["", ":", "::", ":::", "a", "a:1", "a:1:2", "relay#0:12:7", "x:y:1:2", "ü:1:2", "a::", "::a"] {
            #expect(LockClient.instance(ofLease: lease) == reference(lease), "\(lease)")
        }
    }

    @Test func tokenAndHoldsAnyMatchHolding() {
        let c = LockClient(instanceID: "A", options: LockOptions())
        #expect(!c.holdsAny && c.token(of: 1) == nil)
        _ = grantByHand(c, op: 1, repo: "r")
        _ = c.handle(.acquire(op: 2, repo: "r2", purpose: .push), now: 0)  // still setting
        #expect(c.holdsAny == !c.holding.isEmpty)
        for op: UInt64 in [1, 2, 3] {
            #expect(c.token(of: op) == c.holding.first { $0.op == op }?.token, "op \(op)")
        }
        #expect(c.token(of: 1) == 1)
        _ = c.handle(.release(op: 1), now: 0)
        #expect(!c.holdsAny && c.token(of: 1) == nil)
    }
}
