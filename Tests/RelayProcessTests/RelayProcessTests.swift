import Coordination
import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel
import Sync
import Testing

/// The relay process driven directly, with no simulator: inputs in, effects out.
@Suite struct RelayProcessTests {
    @Test func loneRelayStartsOnlyTheSweep() throws {
        let p = try EmbeddedProcess()
        let effects = p.feed(.start)
        #expect(p.pendingTimers { $0 == .sweep } == [LocalTime(sinceZero: RelayConfig().sweepInterval)])
        #expect(p.pendingTimers { $0 == .cycle }.isEmpty)
        #expect(!effects.contains { if case .lock = $0 { return true } else { return false } })
    }

    @Test func replicaStartsItsCycleAtADrawnPhase() throws {
        let p = try EmbeddedProcess(replicated: true) { $0.cycleInterval = Time.s(15) }
        p.draw = { $0.upperBound }
        p.feed(.start)
        #expect(p.pendingTimers { $0 == .cycle } == [LocalTime.seconds(30)])
    }

    @Test func clientEventIsAnsweredAndEndsARelayStep() throws {
        let p = try EmbeddedProcess()
        let ann = p.announcement(p.alice)
        let effects = p.feed(.nostr(3, .event(ann), .user))
        guard
            case .send(3, .ok(ann.id, true, let message))? = effects.first(where: {
                if case .send = $0 { return true } else { return false }
            })
        else {
            Issue.record("no OK to connection 3: \(effects)")
            return
        }
        #expect(message.hasPrefix("purgatory:"))
        #expect(effects.contains { if case .relayStepEnded = $0 { return true } else { return false } })
        #expect(
            p.observations.contains {
                if case .relay(.held(let e, _)) = $0 { return e.id == ann.id } else { return false }
            })
    }

    /// On a replica a push waits for the repository's lock; the answer comes only once the
    /// lock service granted it, and the lock is released after.
    @Test func replicaPushWaitsForTheLock() throws {
        let p = try EmbeddedProcess(replicated: true)
        p.feed(.start)
        let c1 = try p.commit("c1")
        p.publish(p.announcement(p.alice))
        p.publish(p.state(p.alice, main: c1))
        let req = try p.push(p.alice, main: c1)
        #expect(p.reply(to: req) == nil)
        guard
            case .lock(_, .set(let key, _, true, _))? = p.effects.last(where: {
                if case .lock = $0 { return true } else { return false }
            })
        else {
            Issue.record("no SET NX for the lock")
            return
        }
        #expect(key == LockClient.lockKey("repo"))
        let after = p.answerLocks()
        #expect(p.reply(to: req)?.pushAccepted == true)
        #expect(
            after.contains { if case .lock(_, .compareAndDelete(key, _)) = $0 { return true } else { return false } })
        #expect(
            p.observations.contains {
                if case .replica(.lockGranted("repo", _)) = $0 { return true } else { return false }
            })
    }

    /// Held elsewhere for longer than the retry budget: 503, refs untouched.
    @Test func replicaPushAnswers503WhenTheLockStaysHeld() throws {
        let p = try EmbeddedProcess(replicated: true)
        _ = p.lockService.execute(
            .set(key: LockClient.lockKey("repo"), value: "other:1", nx: true, px: Time.min(10)), now: 0)
        p.feed(.start)
        let c1 = try p.commit("c1")
        p.publish(p.announcement(p.alice))
        p.publish(p.state(p.alice, main: c1))
        let req = try p.push(p.alice, main: c1)
        p.advance(to: LocalTime.seconds(10))
        #expect(p.reply(to: req)?.httpStatus == 503)
        let refused = p.observations.contains {
            if case .replica(.pushRefused(_, 503, let before, let after)) = $0 {
                return before == after
            } else {
                return false
            }
        }
        #expect(refused)
    }

    /// A reconciliation holds the repository on a lone relay: pushes get 503 until it ends.
    @Test func reconciliationHoldsTheRepository() throws {
        let p = try EmbeddedProcess()
        p.feed(.start)
        let c1 = try p.commit("c1")
        p.publish(p.announcement(p.alice))
        p.publish(p.state(p.alice, main: c1))
        let key = RepoKey(owner: p.alice.publicKey, d: "repo")
        p.feed(.reconcile(key, upstream: Upstream(domain: "up.example", branch: "main")))
        guard let call = p.remoteCalls.last, case .mirror("up.example", "repo") = call.call else {
            Issue.record("no mirror fetch: \(p.remoteCalls)")
            return
        }
        let busy = try p.push(p.alice, main: c1)
        #expect(p.reply(to: busy)?.httpStatus == 503)
        #expect(p.process.midOperation)
        p.feed(.remoteReply(call.id, .unreachable))
        let record = p.observations.compactMap { o -> ReconcileRecord? in
            if case .sync(.reconciled(let r)) = o { return r } else { return nil }
        }.first
        #expect(record?.remoteAnswered == false)
        #expect(!p.process.midOperation)
        let next = try p.push(p.alice, main: c1)
        #expect(p.reply(to: next)?.pushAccepted == true)
    }

    /// A crash reports what it lost: waiting events of a purgatory the process owned alone.
    @Test func crashReportsLostPurgatoryAndResetsSync() throws {
        let p = try EmbeddedProcess()
        p.feed(.start)
        let ann = p.announcement(p.alice)
        p.publish(ann)
        var report: [ProcessObservation] = []
        p.process.crashed { report.append($0) }
        #expect(
            report.contains {
                if case .relay(.left(ann.id, _, "crash-lost")) = $0 { return true } else { return false }
            })
        #expect(report.contains { if case .sync(.reset) = $0 { return true } else { return false } })
        #expect(p.process.core.purgatory.waitingIDs.isEmpty)
    }

    /// A soft-expired announcement is purgatory memory too (a later state would revive
    /// it): a crash loses it and says so.
    @Test func crashReportsLostSoftExpiredAnnouncement() throws {
        let p = try EmbeddedProcess()
        p.feed(.start)
        let ann = p.announcement(p.alice)
        p.publish(ann)
        p.advance(to: LocalTime.minutes(32))
        #expect(p.process.core.purgatory.announcements.values.first?.softExpired == true)
        var report: [ProcessObservation] = []
        p.process.crashed { report.append($0) }
        #expect(
            report.contains {
                if case .relay(.left(ann.id, _, "crash-lost")) = $0 { return true } else { return false }
            })
    }

    /// Replicas share purgatory: a replica's crash loses none of it, and says it crashed.
    @Test func replicaCrashLosesNoSharedPurgatory() throws {
        let p = try EmbeddedProcess(replicated: true, shared: PurgatoryBox())
        p.feed(.start)
        let ann = p.announcement(p.alice)
        p.publish(ann)
        var report: [ProcessObservation] = []
        p.process.crashed { report.append($0) }
        #expect(!report.contains { if case .relay(.left) = $0 { return true } else { return false } })
        #expect(report.contains { if case .replica(.crashed) = $0 { return true } else { return false } })
        #expect(p.process.core.purgatory.waitingIDs == [ann.id])
    }

    @Test func gracefulRestartRestoresPurgatoryAndCrashRestartDoesNot() throws {
        let p = try EmbeddedProcess()
        p.feed(.start)
        let ann = p.announcement(p.alice)
        p.publish(ann)
        p.feed(.shutdown)
        p.feed(.restart(graceful: true, downtime: Time.s(5)))
        #expect(p.process.core.purgatory.waitingIDs == [ann.id])
        p.process.crashed { _ in }
        p.feed(.restart(graceful: false, downtime: Time.s(5)))
        #expect(p.process.core.purgatory.waitingIDs.isEmpty)
    }

    /// A state waiting for git data starts a hunt: after the user delay a fetch goes to the
    /// other clone URL; an unreachable host ends that fetch as failed.
    @Test func waitingStateHuntsAndAnUnreachableHostFails() throws {
        let p = try EmbeddedProcess()
        p.feed(.start)
        let c1 = try p.commit("c1")
        p.publish(p.announcement(p.alice, alsoClone: ["mirror.example"]))
        p.publish(p.state(p.alice, main: c1))
        #expect(
            p.observations.contains {
                if case .sync(.waiting("repo", .user)) = $0 { return true } else { return false }
            })
        p.advance(to: LocalTime(sinceZero: SyncConfig().userDelay + Time.s(2)))
        guard let call = p.remoteCalls.first, case .fetch("mirror.example", let url) = call.call else {
            Issue.record("no fetch to the mirror: \(p.remoteCalls)")
            return
        }
        #expect(url.hasSuffix("/repo.git"))
        p.feed(.remoteReply(call.id, .unreachable))
        #expect(
            p.observations.contains {
                if case .sync(.fetchEnded(_, "repo", "mirror.example", .failed, 0)) = $0 {
                    return true
                } else {
                    return false
                }
            })
    }

    /// Objects a fetch brought release the waiting state (served, HEAD and ref set).
    @Test func fetchedObjectsReleaseTheWaitingState() throws {
        let p = try EmbeddedProcess()
        p.feed(.start)
        let c1 = try p.commit("c1")
        p.publish(p.announcement(p.alice, alsoClone: ["mirror.example"]))
        let st = p.state(p.alice, main: c1)
        p.publish(st)
        p.advance(to: LocalTime(sinceZero: SyncConfig().userDelay + Time.s(2)))
        guard let call = p.remoteCalls.first else {
            Issue.record("no fetch")
            return
        }
        p.feed(.remoteReply(call.id, .objects(try p.local.pack(tips: [c1], haves: []))))
        #expect(
            p.observations.contains {
                if case .relay(.served(let e, _)) = $0 { return e.id == st.id } else { return false }
            })
        #expect(p.storage.repository(RepoKey(owner: p.alice.publicKey, d: "repo"))?.ref("refs/heads/main") == c1)
        #expect(
            p.observations.contains {
                if case .sync(.fetchEnded(_, "repo", _, .complete, _)) = $0 { return true } else { return false }
            })
    }

    /// §8.7 travels with the process: the broken advertisement skips the lock.
    @Test(arguments: [false, true]) func advertisementTakesTheLockUnlessBroken(broken: Bool) throws {
        let p = try EmbeddedProcess(replicated: true) { $0.faultUnserializedAdvertisement = broken }
        p.feed(.start)
        p.publish(p.announcement(p.alice))
        let req = RequestID(client: 4, number: 1)
        let effects = p.feed(.git(req, path: p.path(p.alice), .advertise))
        let answeredAtOnce = effects.contains {
            if case .reply(req, .advertisement) = $0 { return true } else { return false }
        }
        #expect(answeredAtOnce == broken)
        p.answerLocks()
        #expect(p.reply(to: req) != nil)
    }
}
