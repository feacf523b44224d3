import SimKernel
import Testing

@testable import Sync

private let remote = CloneSource(url: "https://git.remote.example/alice/repo.git")
private let noSources: (String) -> [CloneSource] = { _ in [] }

private func fetchRequests(_ effects: [SyncEffect]) -> [UInt64] {
    effects.compactMap { if case .fetch(let r, _, _) = $0 { return r } else { return nil } }
}

@Suite struct SyncConfigDefaults {
    @Test func specConstants() {
        let c = SyncConfig()
        #expect(c.userDelay == Time.s(180))
        #expect(c.syncedDelay == Time.ms(500))
        #expect(c.tick == Time.s(1))
        #expect(c.backoffBase == Time.s(20) && c.backoffCap == Time.s(120))
        #expect(c.domainConcurrency == 5 && c.effectiveConcurrency == 5)
        #expect(c.domainRate == 30 && c.rateWindow == Time.s(60))
        #expect(c.blockDuration == Time.hour * 12)
        #expect(c.giveUpAfter == Time.min(30))
        #expect(
            !c.faultOneOverConcurrency && !c.faultFixedWindow && !c.faultNoFreshStart
                && !c.faultNoRoundRobin && !c.faultPurgatoryAnnouncementsIgnored && !c.faultRefetchExpired)
        #expect((0..<7).map { c.backoff(afterAttempt: $0) / Time.second } == [20, 40, 80, 120, 120, 120, 120])
        #expect(c.backoff(afterAttempt: 10_000) == Time.s(120))
    }

    /// When the clock was stepped back after a timer was set, the timer fires before its
    /// wake-up as the clock now reads: the queue sets another for what is left. (It used
    /// to take the fired timer for one still pending and set none, so the hunt stalled
    /// until some other input came.) A superseded timer firing sets nothing.
    @Test func aTimerThatFiresEarlyAfterAStepBackIsSetAgain() {
        let q = SyncQueue(config: SyncConfig(), ownDomain: "relay.example")
        func timers(_ effects: [SyncEffect]) -> [(after: SimDuration, timer: UInt64)] {
            effects.compactMap { if case .setTimer(let after, let timer) = $0 { (after, timer) } else { nil } }
        }
        func at(_ minutes: Int64, _ input: SyncInput) -> [SyncEffect] {
            q.handle(input, now: LocalTime(sinceZero: Time.min(minutes)), sources: { _ in [] })
        }
        let first = timers(at(1, .eventWaiting(identifier: "web", origin: .user)))
        #expect(first.map(\.after) == [Time.s(180)])  // the first attempt is due at 4 min
        // Another identifier due sooner: a second timer supersedes the first.
        let second = timers(at(1, .eventWaiting(identifier: "api", origin: .sync)))
        #expect(second.map(\.after) == [Time.ms(500)])
        // The superseded timer firing (whenever it does) sets no other.
        #expect(timers(at(1, .timerFired(timer: first[0].timer))).isEmpty)
        // The armed one fires, but the clock was stepped back: it reads 1 min, not 1 min 0.5 s.
        #expect(timers(at(1, .timerFired(timer: second[0].timer))).map(\.after) == [Time.ms(500)])
    }

    @Test func domainOfURL() {
        #expect(CloneSource.domain(ofURL: "https://User@Git.Example.org:8443/a/b.git") == "git.example.org")
        #expect(CloneSource.domain(ofURL: "git://relay.example/npub1x/r.git") == "relay.example")
        #expect(CloneSource.domain(ofURL: "git@github.com:owner/repo.git") == "github.com")
        #expect(CloneSource.domain(ofURL: "http://[::1]:8080/x") == "[::1]")
        #expect(CloneSource(url: "https://a.example/x").domain == "a.example")
        #expect(CloneSource.domain(ofURL: "https://Dé.Example/x") == "dé.example")  // not ASCII: by characters
    }

    /// The byte walk for ASCII URLs answers as the walk by characters does, on 20,000
    /// random strings made of the delimiters, letters of both cases and CR LF.
    @Test func asciiDomainAgreesWithTheCharacterWalk() {
        let alphabet: [String] = [
            ":", "/", "//", "://", "@", "[", "]", "a", "B", "z", "Z", ".", "0", "\r\n", "\r", "\n", "-",
        ]
        var rng = SplitMix64(seed: 42)
        var urls = ["", ":", "://", "a://", "://b", "x@", "[", "http://[::1", "HTTPS://U@H:1/p"]
        for _ in 0..<20_000 {
            urls.append(
                (0..<Int(rng.next() % 14)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined())
        }
        for url in urls {
            #expect(
                CloneSource.asciiDomain(ofURL: url) == CloneSource.domainByCharacters(ofURL: url),
                "\(url.debugDescription)")
        }
        #expect(CloneSource.asciiDomain(ofURL: "https://é.example/") == nil)
    }
}

@Suite struct SyncQueueScheduling {
    @Test func userEventsWaitLongerThanSyncedOnes() {
        let net = QueueNet()
        net.sources = ["u": [remote], "s": [remote]]
        let e = net.send(.eventWaiting(identifier: "u", origin: .user))
        #expect(net.queue.pending.map(\.nextAttempt) == [LocalTime.seconds(180)])
        #expect(e.contains { if case .setTimer(Time.s(180), _) = $0 { return true } else { return false } })
        net.send(.eventWaiting(identifier: "s", origin: .sync))
        #expect(net.queue.pending.map(\.identifier) == ["s", "u"])
        #expect(net.queue.pending.map(\.nextAttempt) == [LocalTime.milliseconds(500), LocalTime.seconds(180)])
        net.run(until: LocalTime.seconds(200))
        // The 1 s loop starts "s" on the first tick after 500 ms, "u" exactly at 180 s.
        #expect(net.fetchTimes(of: "s").first == LocalTime.seconds(1))
        #expect(net.fetchTimes(of: "u").first == LocalTime.seconds(180))
        #expect(net.fetchTimes(of: "u").count == 1)
    }

    @Test func backoffDoublesFromTwentySecondsAndCapsAtTwoMinutes() {
        let q = SyncQueue(config: SyncConfig(), ownDomain: "relay.example")
        let src: (String) -> [CloneSource] = { _ in [remote] }
        _ = q.handle(.eventWaiting(identifier: "r", origin: .sync), now: 0, sources: src)
        var now = LocalTime.milliseconds(500)
        var delays: [Int64] = []
        for _ in 0..<6 {
            let req = fetchRequests(q.handle(.tick, now: now, sources: src))
            #expect(req.count == 1)
            #expect(q.attemptsRunning == ["r"])
            _ = q.handle(.fetchFinished(request: req[0], outcome: .nothingNew), now: now, sources: src)
            let next = q.pending[0].nextAttempt
            delays.append((next - now) / Time.second)
            // Nothing happens before the backoff is over.
            #expect(fetchRequests(q.handle(.tick, now: next - Time.ns(1), sources: src)).isEmpty)
            now = next
        }
        #expect(delays == [20, 40, 80, 120, 120, 120])
        #expect(q.pending[0].attempt == 6)
    }

    @Test func newEventResetsAttemptsAndOnlyMovesEarlier() {
        let q = SyncQueue(config: SyncConfig(), ownDomain: "relay.example")
        let src: (String) -> [CloneSource] = { _ in [remote] }
        _ = q.handle(.eventWaiting(identifier: "r", origin: .user), now: 0, sources: src)
        // A synced event moves the first attempt from 180 s to 10.5 s.
        _ = q.handle(.eventWaiting(identifier: "r", origin: .sync), now: LocalTime.seconds(10), sources: src)
        #expect(q.pending[0].nextAttempt == LocalTime.seconds(10) + Time.ms(500))
        // A user event never moves it later.
        _ = q.handle(.eventWaiting(identifier: "r", origin: .user), now: LocalTime.seconds(10), sources: src)
        #expect(q.pending[0].nextAttempt == LocalTime.seconds(10) + Time.ms(500))
        // Three failed-to-find attempts: the count grows, the backoff lengthens.
        var now = LocalTime.seconds(11)
        for _ in 0..<3 {
            let req = fetchRequests(q.handle(.tick, now: now, sources: src))
            _ = q.handle(.fetchFinished(request: req[0], outcome: .nothingNew), now: now, sources: src)
            now = q.pending[0].nextAttempt
        }
        #expect(q.attempt(of: "r") == 3)
        let before = q.pending[0].nextAttempt
        #expect(before - LocalTime.seconds(71) == Time.s(80))
        // Fresh start: count reset, next attempt 500 ms from now.
        _ = q.handle(.eventWaiting(identifier: "r", origin: .sync), now: LocalTime.seconds(100), sources: src)
        #expect(q.attempt(of: "r") == 0)
        #expect(q.pending[0].nextAttempt == LocalTime.seconds(100) + Time.ms(500))
        // The next backoff starts again from 20 s.
        let req = fetchRequests(q.handle(.tick, now: LocalTime.seconds(101), sources: src))
        _ = q.handle(.fetchFinished(request: req[0], outcome: .nothingNew), now: LocalTime.seconds(101), sources: src)
        #expect(q.pending[0].nextAttempt == LocalTime.seconds(121))
    }

    @Test func eventDuringRunningAttemptAppliesWhenItEnds() {
        let q = SyncQueue(config: SyncConfig(), ownDomain: "relay.example")
        let src: (String) -> [CloneSource] = { _ in [remote] }
        _ = q.handle(.eventWaiting(identifier: "r", origin: .sync), now: 0, sources: src)
        let req = fetchRequests(q.handle(.tick, now: LocalTime.seconds(1), sources: src))
        _ = q.handle(.fetchFinished(request: req[0], outcome: .nothingNew), now: LocalTime.seconds(1), sources: src)
        let req2 = fetchRequests(q.handle(.tick, now: LocalTime.seconds(21), sources: src))
        _ = q.handle(.fetchFinished(request: req2[0], outcome: .nothingNew), now: LocalTime.seconds(21), sources: src)
        let req3 = fetchRequests(q.handle(.tick, now: LocalTime.seconds(61), sources: src))
        #expect(req3.count == 1 && q.attempt(of: "r") == 2)
        // An event arrives while the third attempt runs.
        _ = q.handle(.eventWaiting(identifier: "r", origin: .sync), now: LocalTime.seconds(62), sources: src)
        _ = q.handle(.fetchFinished(request: req3[0], outcome: .nothingNew), now: LocalTime.seconds(70), sources: src)
        // Reset to attempt 0 (then counted as 1), next attempt already due: the event asked for 62.5 s.
        #expect(q.pending[0].attempt == 1)
        #expect(q.pending[0].nextAttempt == LocalTime.seconds(70))
    }

    @Test func brokenVariantNoFreshStartKeepsLateAttempt() {
        var c = SyncConfig()
        c.faultNoFreshStart = true
        let q = SyncQueue(config: c, ownDomain: "relay.example")
        let src: (String) -> [CloneSource] = { _ in [remote] }
        _ = q.handle(.eventWaiting(identifier: "r", origin: .user), now: 0, sources: src)
        _ = q.handle(.eventWaiting(identifier: "r", origin: .sync), now: LocalTime.seconds(10), sources: src)
        #expect(q.pending[0].nextAttempt == LocalTime.seconds(180))  // not moved earlier
        var now = LocalTime.seconds(180)
        for _ in 0..<3 {
            let req = fetchRequests(q.handle(.tick, now: now, sources: src))
            _ = q.handle(.fetchFinished(request: req[0], outcome: .nothingNew), now: now, sources: src)
            now = q.pending[0].nextAttempt
        }
        _ = q.handle(.eventWaiting(identifier: "r", origin: .sync), now: now - Time.s(70), sources: src)
        #expect(q.attempt(of: "r") == 3)  // not reset
        #expect(q.pending[0].nextAttempt == now)  // not moved earlier
    }

    @Test func satisfiedIdentifierStopsAndQueuedFetchesAreDropped() {
        let net = QueueNet()
        let a = CloneSource(url: "https://a.example/r.git")
        let b = CloneSource(url: "https://b.example/r.git")
        net.sources = ["r": [a, b]]
        net.outcome = { _, s in s.domain == "a.example" ? .complete : .nothingNew }
        net.afterFetch = { id, _, o in o == .complete ? [.identifierSatisfied(identifier: id)] : [] }
        net.send(.eventWaiting(identifier: "r", origin: .sync))
        net.run(until: LocalTime.minutes(10))
        #expect(net.fetches.count == 2)  // one attempt, both sources, then satisfied
        #expect(net.queue.hunting.isEmpty)
        #expect(net.traces.contains("sync.satisfied"))
        #expect(net.queue.inFlight.isEmpty)
    }

    @Test func giveUpThirtyMinutesAfterTheLastEvent() {
        let net = QueueNet()
        net.sources = ["r": [remote], "k": [remote]]
        net.send(.eventWaiting(identifier: "r", origin: .user))
        net.send(.eventWaiting(identifier: "k", origin: .user))
        net.at(LocalTime.minutes(20), .eventWaiting(identifier: "k", origin: .sync))
        net.run(until: LocalTime.minutes(29))
        #expect(net.queue.hunting == ["k", "r"])
        net.run(until: LocalTime.minutes(30))
        #expect(net.queue.hunting == ["k"])
        net.run(until: LocalTime.minutes(60))
        #expect(net.queue.hunting.isEmpty)
        #expect(net.fetchTimes(of: "r").allSatisfy { $0 < LocalTime.minutes(30) })
        #expect(net.fetchTimes(of: "r").count > 5)
        #expect(net.fetchTimes(of: "k").last! >= LocalTime.minutes(40))
        #expect(net.fetchTimes(of: "k").allSatisfy { $0 < LocalTime.minutes(50) })
    }

    @Test func sameInputsGiveTheSameRequests() {
        func run() -> [String] {
            let net = QueueNet()
            for (i, id) in ids(40).enumerated() {
                net.sources[id] = [
                    CloneSource(url: "https://d\(i % 3).example/\(id)"),
                    CloneSource(url: "https://shared.example/\(id)"),
                ]
                net.at(
                    LocalTime.milliseconds(Int64(i * 37)),
                    .eventWaiting(identifier: id, origin: i % 2 == 0 ? .sync : .user))
            }
            net.outcome = { id, s in id.hasSuffix("7") && s.domain == "d1.example" ? .failed : .nothingNew }
            net.run(until: LocalTime.minutes(12))
            return net.queue.requestLog.map { "\($0.time) \($0.domain) \($0.identifier)" }
        }
        let a = run()
        let b = run()
        #expect(a.count > 100)
        #expect(a == b)
    }
}

@Suite struct SyncQueueThrottle {
    /// 20 identifiers with one source each on one domain; answers take 30 s.
    private func crowd(_ config: SyncConfig) -> QueueNet {
        let net = QueueNet(config: config)
        net.latency = Time.s(30)
        for id in ids(20) {
            net.sources[id] = [CloneSource(url: "https://busy.example/\(id).git")]
            net.send(.eventWaiting(identifier: id, origin: .sync))
        }
        return net
    }

    @Test func atMostFiveInFlightPerDomain() {
        let net = crowd(SyncConfig())
        net.run(until: LocalTime.minutes(10))
        #expect(net.maxInFlight["busy.example"] == 5)
        #expect(Set(net.fetches.map(\.identifier)).count == 20)  // everyone is served eventually
    }

    @Test func brokenVariantAllowsSix() {
        var c = SyncConfig()
        c.faultOneOverConcurrency = true
        let net = crowd(c)
        net.run(until: LocalTime.minutes(10))
        #expect(net.maxInFlight["busy.example"] == 6)
    }

    @Test func windowCheckerCountsHalfOpenWindows() {
        let log: [(time: LocalTime, domain: String, identifier: String)] =
            [0, 10, 59_999, 60_000, 60_001].map { (LocalTime.milliseconds($0), "d", "x") } + [
                (LocalTime.milliseconds(1), "e", "y")
            ]
        #expect(maxRequestsInAnyWindow(log, domain: "d", window: Time.s(60)) == 4)
        #expect(maxRequestsInAnyWindow(log, domain: "e", window: Time.s(60)) == 1)
        #expect(maxRequestsInAnyWindow(log, domain: "none", window: Time.s(60)) == 0)
    }

    /// 100 identifiers become ready at 50 s, 10 s before a fixed-window bucket boundary;
    /// answers are fast, so only the rate limit holds them back.
    private func burst(_ config: SyncConfig) -> QueueNet {
        let net = QueueNet(config: config)
        for id in ids(100) {
            net.sources[id] = [CloneSource(url: "https://rate.example/\(id).git")]
            net.at(LocalTime.seconds(49) + Time.ms(500), .eventWaiting(identifier: id, origin: .sync))
        }
        return net
    }

    @Test func atMostThirtyStartsInAnySlidingMinute() {
        let net = burst(SyncConfig())
        net.run(until: LocalTime.minutes(6))
        let log = net.queue.requestLog
        #expect(maxRequestsInAnyWindow(log, domain: "rate.example", window: Time.s(60)) == 30)
        // The limit is used, not just respected: 30 start in the first second of the burst.
        #expect(log.filter { $0.time < LocalTime.seconds(51) }.count == 30)
        #expect(log.count >= 5 * 30)
    }

    @Test func brokenVariantFixedWindowDoublesTheRateAcrossABucketBoundary() {
        var c = SyncConfig()
        c.faultFixedWindow = true
        let net = burst(c)
        net.run(until: LocalTime.minutes(6))
        let log = net.queue.requestLog
        #expect(maxRequestsInAnyWindow(log, domain: "rate.example", window: Time.s(60)) == 60)
        #expect(log.filter { $0.time < LocalTime.seconds(60) }.count == 30)
        #expect(log.filter { $0.time >= LocalTime.seconds(60) && $0.time < LocalTime.seconds(61) }.count == 30)
    }

    @Test func rateLimitedDomainAsksForATimerWhenTheWindowFrees() {
        var c = SyncConfig()
        c.domainRate = 2
        let q = SyncQueue(config: c, ownDomain: "own.example")
        let src: (String) -> [CloneSource] = { id in [CloneSource(url: "https://r.example/\(id)")] }
        for id in ["a", "b", "c"] { _ = q.handle(.eventWaiting(identifier: id, origin: .sync), now: 0, sources: src) }
        let e = q.handle(.tick, now: LocalTime.seconds(1), sources: src)
        let reqs = fetchRequests(e)
        #expect(reqs.count == 2)
        #expect(q.queued == ["r.example": 1])
        for r in reqs {
            _ = q.handle(.fetchFinished(request: r, outcome: .nothingNew), now: LocalTime.seconds(2), sources: src)
        }
        // "c" waits for the window to free at 61 s; a and b back off until 22 s.
        #expect(q.nextWakeUp(now: LocalTime.seconds(2)) == LocalTime.seconds(22))
        // With a and b's attempts scheduled far later, the window is the next wake-up.
        let solo = SyncQueue(config: c, ownDomain: "own.example")
        for id in ["a", "b", "c"] {
            _ = solo.handle(.eventWaiting(identifier: id, origin: .sync), now: 0, sources: src)
        }
        _ = solo.handle(.tick, now: LocalTime.seconds(1), sources: src)
        #expect(solo.nextWakeUp(now: LocalTime.seconds(1)) == LocalTime.seconds(61))
        // At 60 s a and b start new attempts but the window is still full.
        #expect(fetchRequests(q.handle(.tick, now: LocalTime.seconds(60), sources: src)).isEmpty)
        #expect(q.queued == ["r.example": 3])
        let later = q.handle(.tick, now: LocalTime.seconds(61), sources: src)
        #expect(fetchRequests(later).count == 2)
        // c, queued longest, goes first.
        #expect(q.requestLog.map(\.identifier) == ["a", "b", "c", "a"])
    }

    /// 100 identifiers on one domain, each needing a fetch per attempt: demand exceeds the
    /// 30/min rate, so the domain queue is long. Returns, per identifier, the longest time it
    /// went without a fetch (from its event, between fetches, and until the end).
    private func longestWaits(_ config: SyncConfig, end: LocalTime) -> [String: SimDuration] {
        let net = QueueNet(config: config)
        for id in ids(100) {
            net.sources[id] = [CloneSource(url: "https://slow.example/\(id).git")]
            net.send(.eventWaiting(identifier: id, origin: .sync))
        }
        net.run(until: end)
        #expect(maxRequestsInAnyWindow(net.queue.requestLog, domain: "slow.example", window: Time.s(60)) <= 30)
        var out: [String: SimDuration] = [:]
        for id in ids(100) {
            let times = [0] + net.fetchTimes(of: id) + [end]
            out[id] = zip(times, times.dropFirst()).map { $1 - $0 }.max()!
        }
        return out
    }

    @Test func roundRobinBoundsEveryIdentifiersWait() {
        let waits = longestWaits(SyncConfig(), end: LocalTime.minutes(25))
        let worst = waits.values.max()!
        #expect(worst <= Time.min(5))  // observed: 4 min (100 queued at 30/min, plus the 2 min backoff)
        #expect(worst >= Time.min(2))  // the queue really was congested
    }

    @Test func brokenVariantNoRoundRobinStarvesLateIdentifiers() {
        var c = SyncConfig()
        c.faultNoRoundRobin = true
        let waits = longestWaits(c, end: LocalTime.minutes(25))
        let starved = waits.filter { $0.value >= Time.min(20) }.keys.sorted()
        #expect(!starved.isEmpty)
        #expect(starved.last == "repo-099")
    }

    @Test func ownDomainIsNeverFetched() {
        let net = QueueNet(ownDomain: "Relay.Example")
        net.sources = [
            "r": [
                CloneSource(url: "https://relay.example/npub1a/r.git"),
                CloneSource(url: "https://other.example/r.git"),
            ],
            "only-own": [CloneSource(url: "https://RELAY.example/npub1b/x.git")],
        ]
        net.send(.eventWaiting(identifier: "r", origin: .sync))
        net.send(.eventWaiting(identifier: "only-own", origin: .sync))
        net.run(until: LocalTime.minutes(10))
        #expect(!net.queue.requestLog.contains { $0.domain.lowercased() == "relay.example" })
        #expect(net.queue.requestLog.filter { $0.identifier == "r" }.count > 3)
        #expect(!net.queue.requestLog.contains { $0.identifier == "only-own" })
        // Its attempts still run (and back off) while it waits for a push or new sources.
        #expect(net.queue.pending.first { $0.identifier == "only-own" }!.attempt > 3)
    }

    @Test func failingDomainIsBlockedForTwelveHours() {
        let net = QueueNet()
        let bad = CloneSource(url: "https://down.example/r.git")
        let good = CloneSource(url: "https://up.example/r.git")
        net.sources = ["r": [bad, good]]
        net.outcome = { _, s in s.domain == "down.example" ? .failed : .nothingNew }
        net.send(.eventWaiting(identifier: "r", origin: .sync))
        // Keep the hunt alive for 13 hours with an event every 20 minutes.
        var t = LocalTime.minutes(20)
        while t < LocalTime(sinceZero: Time.hour * 13) {
            net.at(t, .eventWaiting(identifier: "r", origin: .sync))
            t += Time.min(20)
        }
        net.run(until: LocalTime(sinceZero: Time.hour * 13))
        let downTimes = net.fetches.filter { $0.source.domain == "down.example" }.map(\.time)
        let upTimes = net.fetches.filter { $0.source.domain == "up.example" }.map(\.time)
        // Three failures block; 12 h later three more failures block again.
        #expect(downTimes.count == 6)
        let blockedAt = downTimes[2] + net.latency
        #expect(downTimes[3] >= blockedAt + Time.hour * 12)
        #expect(downTimes[3] <= blockedAt + Time.hour * 12 + Time.min(3))
        // The healthy domain kept being used while the other was blocked.
        #expect(upTimes.filter { $0 > blockedAt && $0 < blockedAt + Time.hour * 12 }.count > 100)
        #expect(net.traces.filter { $0 == "sync.domain-blocked" }.count == 2)
        #expect(net.queue.blockedDomains(now: net.now).map(\.domain) == ["down.example"])
    }

    @Test func rateLimitedAnswersNeverBlock() {
        let net = QueueNet()
        net.sources = ["r": [CloneSource(url: "https://busy.example/r.git")]]
        net.outcome = { _, _ in .rateLimited }
        net.send(.eventWaiting(identifier: "r", origin: .sync))
        net.run(until: LocalTime.minutes(20) + Time.ms(500))
        #expect(net.fetches.count > 10)
        #expect(net.queue.blockedDomains(now: net.now).isEmpty)
        #expect(net.queue.pending[0].attempt == net.fetches.count)  // each counted as a finished attempt
    }

    @Test func failuresMustBeConsecutiveToBlock() {
        let net = QueueNet()
        net.sources = ["r": [CloneSource(url: "https://flaky.example/r.git")]]
        var n = 0
        net.outcome = { _, _ in
            n += 1
            return n % 3 == 0 ? .nothingNew : .failed
        }
        net.send(.eventWaiting(identifier: "r", origin: .sync))
        net.run(until: LocalTime.minutes(25))
        #expect(net.fetches.count > 10)
        #expect(net.queue.blockedDomains(now: net.now).isEmpty)
    }
}

@Suite struct SyncQueueSources {
    private func purgatoryOnly(_ config: SyncConfig) -> QueueNet {
        let net = QueueNet(config: config)
        net.sources = [
            "r": [
                CloneSource(url: "https://maint.example/bob/r.git", fromPurgatory: true),
                CloneSource(url: "https://served.example/alice/r.git", fromPurgatory: false),
            ]
        ]
        net.send(.eventWaiting(identifier: "r", origin: .sync))
        net.run(until: LocalTime.minutes(5))
        return net
    }

    @Test func purgatoryAnnouncementURLsAreHunted() {
        let net = purgatoryOnly(SyncConfig())
        #expect(net.fetches.contains { $0.source.domain == "maint.example" })
        #expect(net.fetches.contains { $0.source.domain == "served.example" })
    }

    @Test func brokenVariantIgnoresPurgatoryAnnouncementURLs() {
        var c = SyncConfig()
        c.faultPurgatoryAnnouncementsIgnored = true
        let net = purgatoryOnly(c)
        #expect(!net.fetches.contains { $0.source.fromPurgatory })
        #expect(net.fetches.contains { $0.source.domain == "served.example" })
    }

    @Test func selectSourcesFiltersAndDeduplicates() {
        let list = [
            CloneSource(url: "https://a.example/x", fromPurgatory: true),
            CloneSource(url: "https://own.example/x"),
            CloneSource(url: "https://b.example/x"),
            CloneSource(url: "https://a.example/x"),
        ]
        #expect(
            SyncQueue.selectSources(list, ownDomain: "OWN.example", ignorePurgatory: false).map(\.url)
                == ["https://a.example/x", "https://b.example/x"])
        #expect(
            SyncQueue.selectSources(list, ownDomain: "own.example", ignorePurgatory: true).map(\.url)
                == ["https://b.example/x", "https://a.example/x"])
        #expect(
            SyncQueue.selectSources(
                list, ownDomain: "own.example", ignorePurgatory: false,
                isBlocked: { $0 == "b.example" }
            ).map(\.url) == ["https://a.example/x"])
    }

    @Test func sourcesAreReadWhenAnAttemptStarts() {
        let net = QueueNet()
        net.send(.eventWaiting(identifier: "r", origin: .sync))
        net.run(until: LocalTime.seconds(5))
        #expect(net.fetches.isEmpty)  // no URL known yet
        net.sources["r"] = [CloneSource(url: "https://late.example/r.git")]
        net.run(until: LocalTime.seconds(30))
        #expect(net.fetches.map(\.source.domain) == ["late.example"])
    }
}

@Suite struct SyncQueueExpiry {
    private func expireThenResubmit(_ config: SyncConfig) -> QueueNet {
        let net = QueueNet(config: config)
        net.sources = ["r": [remote]]
        net.send(.eventWaiting(identifier: "r", origin: .sync))
        net.at(LocalTime.minutes(29), .identifierExpired(identifier: "r"))
        net.at(LocalTime.minutes(31), .eventWaiting(identifier: "r", origin: .sync))
        net.run(until: LocalTime.minutes(40))
        return net
    }

    @Test func expiredIdentifiersAreNotHuntedAgainBySync() {
        let net = expireThenResubmit(SyncConfig())
        #expect(net.fetchTimes(of: "r").allSatisfy { $0 < LocalTime.minutes(29) })
        #expect(net.queue.hunting.isEmpty)
        #expect(net.queue.expiredIdentifiers == ["r"])
        #expect(net.traces.contains("sync.ignored-expired"))
        // A user's direct resubmission hunts again.
        net.send(.eventWaiting(identifier: "r", origin: .user))
        #expect(net.queue.hunting == ["r"])
        net.run(until: LocalTime.minutes(45))
        #expect(net.fetchTimes(of: "r").contains { $0 >= LocalTime.minutes(43) })
    }

    @Test func brokenVariantRefetchesExpired() {
        var c = SyncConfig()
        c.faultRefetchExpired = true
        let net = expireThenResubmit(c)
        #expect(net.fetchTimes(of: "r").contains { $0 > LocalTime.minutes(31) })
        #expect(net.queue.hunting == ["r"])
    }

    @Test func expiredMemoryLastsSevenDays() {
        let q = SyncQueue(config: SyncConfig(), ownDomain: "own.example")
        _ = q.handle(.identifierExpired(identifier: "r"), now: 0, sources: noSources)
        _ = q.handle(
            .eventWaiting(identifier: "r", origin: .sync), now: LocalTime(sinceZero: Time.day * 7 - 1),
            sources: noSources)
        #expect(q.hunting.isEmpty)
        _ = q.handle(
            .eventWaiting(identifier: "r", origin: .sync), now: LocalTime(sinceZero: Time.day * 7), sources: noSources)
        #expect(q.hunting == ["r"])
        #expect(q.expiredIdentifiers.isEmpty)
    }

    @Test func lateAnswersOfEndedHuntsDoNotDisturbANewHunt() {
        let q = SyncQueue(config: SyncConfig(), ownDomain: "own.example")
        let src: (String) -> [CloneSource] = { _ in [remote] }
        _ = q.handle(.eventWaiting(identifier: "r", origin: .sync), now: 0, sources: src)
        let old = fetchRequests(q.handle(.tick, now: LocalTime.seconds(1), sources: src))
        _ = q.handle(.identifierSatisfied(identifier: "r"), now: LocalTime.seconds(2), sources: src)
        _ = q.handle(.eventWaiting(identifier: "r", origin: .sync), now: LocalTime.seconds(3), sources: src)
        let new = fetchRequests(q.handle(.tick, now: LocalTime.seconds(4), sources: src))
        #expect(old.count == 1 && new.count == 1 && old != new)
        _ = q.handle(.fetchFinished(request: old[0], outcome: .nothingNew), now: LocalTime.seconds(5), sources: src)
        #expect(q.attemptsRunning == ["r"])  // still waiting for its own fetch
        #expect(q.inFlight == [remote.domain: 1])
        _ = q.handle(.fetchFinished(request: new[0], outcome: .nothingNew), now: LocalTime.seconds(6), sources: src)
        #expect(q.pending.map(\.nextAttempt) == [LocalTime.seconds(26)])
        let unknown = q.handle(.fetchFinished(request: 999, outcome: .failed), now: LocalTime.seconds(7), sources: src)
        #expect(
            unknown.contains { if case .trace("sync.unknown-request", _) = $0 { return true } else { return false } })
    }
}

/// The queue hands its driver typed facts (never parsed back from trace text); each says
/// what the trace record printed with it says.
@Suite struct SyncQueueReports {
    @Test func reportsMatchTheTraces() {
        let net = QueueNet()
        net.sources = ["a": [remote], "b": [remote, CloneSource(url: "https://down.example/x/b.git")]]
        net.outcome = { _, s in s.domain == "down.example" ? .failed : .nothingNew }
        net.send(.eventWaiting(identifier: "a", origin: .sync))
        net.send(.eventWaiting(identifier: "b", origin: .user))
        net.at(LocalTime.minutes(10), .identifierSatisfied(identifier: "a"))
        net.run(until: LocalTime.minutes(45))
        func count(_ label: String) -> Int { net.traces.filter { $0 == label }.count }
        var started = 0
        var ended = 0
        var hunts: [String] = []
        for r in net.reports {
            switch r {
            case .attemptStarted: started += 1
            case .attemptEnded: ended += 1
            case .huntEnded(_, let why): hunts.append(why)
            default: break
            }
        }
        #expect(started > 3 && started == count("sync.attempt"))
        #expect(ended == count("sync.backoff"))
        #expect(hunts.filter { $0 == "satisfied" }.count == count("sync.satisfied") && hunts.contains("satisfied"))
        #expect(hunts.filter { $0 == "give-up" }.count == count("sync.give-up") && hunts.contains("give-up"))
        // The attempt's domains are the chosen sources', one per source.
        let domains = net.reports.compactMap { r -> [String]? in
            if case .attemptStarted("b", _, let d) = r { return d } else { return nil }
        }
        #expect(domains.first.map { Set($0) } == ["git.remote.example", "down.example"])
    }
}
