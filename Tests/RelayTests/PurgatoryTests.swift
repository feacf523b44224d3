import GitStore
import Nostr
import SimKernel
import Testing

@testable import Relay

let purgatoryMsg = "purgatory: won't be served until git data arrives"

@Suite struct AnnouncementAndState {
    @Test func announcementWaitsWithRepoThenServedAfterPush() {
        let f = Fixture()
        let c1 = f.commit("c1")
        let ann = f.announcement(f.alice)
        #expect(f.publish(ann) == (true, purgatoryMsg))
        #expect(!f.served(ann))
        #expect(f.storage.exists(RepoKey(owner: f.alice.publicKey, d: "repo")))  // bare repo exists in purgatory
        let st = f.state(f.alice, refs: [("refs/heads/main", c1)])
        #expect(f.publish(st) == (true, purgatoryMsg))
        #expect(!f.served(st))
        let r = f.push(f.alice, [("refs/heads/main", c1)])
        #expect(r.allOK)
        #expect(f.served(ann) && f.served(st))
        #expect(f.refs(f.alice)["refs/heads/main"] == c1)
        #expect(f.relay.purgatory.isEmpty)
    }

    @Test func announcementMustListService() {
        let f = Fixture()
        let (ok, msg) = f.publish(f.announcement(f.alice, listsService: false))
        #expect(!ok && msg.hasPrefix("invalid:"))
    }

    @Test func maintainerMayAnnounceElsewhere() {
        let f = Fixture()
        f.publish(f.announcement(f.alice, maintainers: [f.bob]))
        let elsewhere = f.announcement(f.bob, listsService: false)
        #expect(f.publish(elsewhere) == (true, ""))
        #expect(f.served(elsewhere))
    }

    /// An older version of an announcement that does not list this service, replayed while
    /// a newer version waits in purgatory, is not served under the maintainer exception:
    /// the relay already holds a newer version of that replaceable event.
    @Test func olderAnnouncementElsewhereNotServedOverNewerInPurgatory() {
        let f = Fixture()
        let older = f.announcement(f.alice, listsService: false)
        f.now = LocalTime.seconds(10)
        let newer = f.announcement(f.alice)
        #expect(f.publish(newer) == (true, purgatoryMsg))
        #expect(f.publish(older) == (true, "duplicate: a newer announcement is in purgatory"))
        #expect(!f.served(older))
        #expect(f.relay.purgatory.announcements[RepoKey(owner: f.alice.publicKey, d: "repo")]?.event.id == newer.id)
    }

    @Test func stateRejectedWithoutAnnouncementOrForUnauthorizedAuthor() {
        let f = Fixture()
        let c1 = f.commit("c1")
        let (ok1, m1) = f.publish(f.state(f.alice, refs: [("refs/heads/main", c1)]))
        #expect(!ok1 && m1 == "invalid: no announcement exists for this repository")
        f.publish(f.announcement(f.alice))
        let (ok2, m2) = f.publish(f.state(f.mallory, refs: [("refs/heads/main", c1)]))
        #expect(!ok2 && m2 == "invalid: author not authorized for this repository")
    }

    @Test func duplicateInPurgatory() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        let st = f.state(f.alice, refs: [("refs/heads/main", f.commit("c1"))])
        f.publish(st)
        #expect(f.publish(st) == (true, "duplicate: in purgatory"))
    }

    @Test func headSetAfterStateWhoseCommitExistsAndAfterPush() {
        let f = Fixture()
        let c1 = f.commit("c1")
        let c2 = f.commit("c2", parent: c1)
        f.publish(f.announcement(f.alice))
        f.publish(f.state(f.alice, refs: [("refs/heads/main", c1), ("refs/heads/dev", c2)], head: "refs/heads/dev"))
        #expect(f.push(f.alice, [("refs/heads/main", c1), ("refs/heads/dev", c2)]).allOK)
        let repo = f.storage.repository(RepoKey(owner: f.alice.publicKey, d: "repo"))!
        #expect(repo.head == "refs/heads/dev")  // after the push that brought it
        f.now += Time.s(5)
        let st2 = f.state(f.alice, refs: [("refs/heads/main", c1), ("refs/heads/dev", c2)], head: "refs/heads/main")
        #expect(f.publish(st2) == (true, ""))  // data present: applied at once
        #expect(f.served(st2))
        #expect(repo.head == "refs/heads/main")
    }
}

@Suite struct PushAuthorization {
    @Test func rejectedWithoutState() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        let r = f.push(f.alice, [("refs/heads/main", f.commit("c1"))])
        #expect(r.first?.error == "authorisation failed: no state events in purgatory")
        #expect(f.refs(f.alice).isEmpty)
    }

    @Test func wrongCommitRejected() {
        let f = Fixture()
        let c1 = f.commit("c1")
        let other = f.commit("other")
        f.publish(f.announcement(f.alice))
        f.publish(f.state(f.alice, refs: [("refs/heads/main", c1)]))
        let r = f.push(f.alice, [("refs/heads/main", other)])
        #expect(r.first?.error?.hasPrefix("authorisation failed") == true)
        #expect(f.refs(f.alice).isEmpty)
    }

    @Test func maintainerAndRecursiveMaintainerAuthorizeNonMaintainerDoesNot() {
        let f = Fixture()
        let c1 = f.commit("c1")
        let c2 = f.commit("c2", parent: c1)
        let c3 = f.commit("c3", parent: c2)
        f.publish(f.announcement(f.alice, maintainers: [f.bob]))
        f.publish(f.state(f.bob, refs: [("refs/heads/main", c1)]))
        #expect(f.push(f.alice, [("refs/heads/main", c1)]).allOK)  // maintainer's state
        // carol is not yet a maintainer
        #expect(f.publish(f.state(f.carol, refs: [("refs/heads/main", c2)])).0 == false)
        f.now += Time.s(2)
        f.publish(f.announcement(f.bob, maintainers: [f.carol, f.alice]))  // bob lists carol (and alice: a cycle)
        f.now += Time.s(2)
        #expect(f.publish(f.state(f.carol, refs: [("refs/heads/main", c2)])) == (true, purgatoryMsg))
        #expect(f.push(f.alice, [("refs/heads/main", c2)]).allOK)  // recursive maintainer
        #expect(f.publish(f.state(f.mallory, refs: [("refs/heads/main", c3)])).0 == false)
        #expect(f.push(f.alice, [("refs/heads/main", c3)]).first?.ok == false)  // non-maintainer
    }

    @Test func lateBindingPicksMatchingStateAmongSeveral() {
        let f = Fixture()
        let c1 = f.commit("c1")
        let c2 = f.commit("c2", parent: c1)
        f.publish(f.announcement(f.alice))
        let s1 = f.state(f.alice, refs: [("refs/heads/main", c1)])
        f.publish(s1)
        f.now += Time.s(1)
        let s2 = f.state(f.alice, refs: [("refs/heads/main", c2)])
        f.publish(s2)
        #expect(f.push(f.alice, [("refs/heads/main", c1)]).allOK)
        #expect(f.served(s1) && !f.served(s2))
        #expect(f.push(f.alice, [("refs/heads/main", c2)]).allOK)
        #expect(f.served(s2))
        #expect(f.refs(f.alice)["refs/heads/main"] == c2)
    }

    @Test func malformedNostrRefRejected() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        let r = f.push(f.alice, [("refs/nostr/not-an-id", f.commit("c1"))])
        #expect(r.first?.error?.hasPrefix("invalid nostr ref") == true)
    }

    @Test func unknownRepoIs404AndCORSSet() {
        let f = Fixture()
        let out = f.handle(.gitAdvertise(1, path: f.path(f.alice)))
        guard case .reply(_, .httpError(let status, let headers, _)) = out.first else {
            Issue.record("no reply")
            return
        }
        #expect(status == 404)
        #expect(headers.contains { $0.0 == "Access-Control-Allow-Origin" && $0.1 == "*" })
    }

    @Test func advertisementCarriesCapabilities() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        let out = f.handle(.gitAdvertise(1, path: f.path(f.alice)))
        guard case .reply(_, .advertisement(let adv)) = out.first else {
            Issue.record("no advertisement")
            return
        }
        #expect(adv.capabilities.contains("allow-tip-sha1-in-want"))
        #expect(adv.capabilities.contains("allow-reachable-sha1-in-want"))
    }
}

@Suite struct PullRequests {
    @Test func eventFirstThenPushReleases() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        let p1 = f.commit("p1")
        let pr = f.pr(f.bob, owner: f.alice, commit: p1)
        #expect(f.publish(pr) == (true, purgatoryMsg))
        #expect(!f.served(pr))
        #expect(f.push(f.alice, [("refs/nostr/\(pr.id)", p1)]).allOK)
        #expect(f.served(pr))
    }

    @Test func gitFirstWithOtherCommitThenEventDeletesWrongRef() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        let right = f.commit("right")
        let wrong = f.commit("wrong")
        let pr = f.pr(f.bob, owner: f.alice, commit: right)
        #expect(f.push(f.alice, [("refs/nostr/\(pr.id)", wrong)]).allOK)  // placeholder
        #expect(f.refs(f.alice)["refs/nostr/\(pr.id)"] == wrong)
        #expect(f.publish(pr) == (true, purgatoryMsg))
        #expect(f.refs(f.alice)["refs/nostr/\(pr.id)"] == nil)  // wrong ref deleted
        #expect(f.push(f.alice, [("refs/nostr/\(pr.id)", wrong)]).first?.ok == false)
        #expect(f.push(f.alice, [("refs/nostr/\(pr.id)", right)]).allOK)
        #expect(f.served(pr))
    }

    @Test func gitFirstWithSameCommitReleasesAtOnce() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        let p = f.commit("p")
        let pr = f.pr(f.bob, owner: f.alice, commit: p)
        #expect(f.push(f.alice, [("refs/nostr/\(pr.id)", p)]).allOK)
        #expect(f.publish(pr) == (true, ""))
        #expect(f.served(pr))
    }
}

@Suite struct DeletionExpiryRestart {
    @Test func deletionByIDAndByCoordinateRemovePurgatoryState() {
        for byCoordinate in [false, true] {
            let f = Fixture()
            f.publish(f.announcement(f.alice))
            let c1 = f.commit("c1")
            let st = f.state(f.alice, refs: [("refs/heads/main", c1)])
            f.publish(st)
            f.now += Time.s(1)
            let tags = byCoordinate ? [["a", "30618:\(f.alice.publicKey):repo"]] : [["e", st.id]]
            #expect(f.publish(f.event(f.alice, kind: 5, tags: tags)).0)
            #expect(f.relay.purgatory.states.isEmpty)
            #expect(f.push(f.alice, [("refs/heads/main", c1)]).first?.ok == false)
        }
    }

    @Test func stateExpiresAtThirtyMinutes() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        let st = f.state(f.alice, refs: [("refs/heads/main", f.commit("c1"))])
        f.publish(st)
        f.advance(Time.min(29))
        #expect(f.relay.purgatory.state(id: st.id) != nil)
        f.advance(Time.min(2))
        #expect(f.relay.purgatory.state(id: st.id) == nil)
        #expect(f.relay.purgatory.expired[st.id] != nil)
    }

    @Test func softExpiryDeletesRepoAndLaterStateRevives() {
        let f = Fixture()
        let ann = f.announcement(f.alice)
        f.publish(ann)
        let key = RepoKey(owner: f.alice.publicKey, d: "repo")
        f.advance(Time.min(31))
        #expect(!f.storage.exists(key))
        #expect(f.relay.purgatory.announcements[key]?.softExpired == true)
        let c1 = f.commit("c1")
        #expect(f.publish(f.state(f.alice, refs: [("refs/heads/main", c1)])) == (true, purgatoryMsg))
        #expect(f.storage.exists(key))  // revived
        #expect(f.relay.purgatory.announcements[key]?.softExpired == false)
        #expect(f.push(f.alice, [("refs/heads/main", c1)]).allOK)
        #expect(f.served(ann))
    }

    @Test func expiredSyncedEventRefusedButDirectResubmissionAllowed() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        let st = f.state(f.alice, refs: [("refs/heads/main", f.commit("c1"))])
        f.publish(st, source: .sync)
        f.advance(Time.min(31))
        let (ok, msg) = f.publish(st, source: .sync)
        #expect(!ok && msg == "invalid: previously expired from purgatory without git data")
        #expect(f.publish(st, source: .user) == (true, purgatoryMsg))
    }

    @Test func gracefulRestartRestoresPurgatoryWithDowntimeSubtracted() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        let st = f.state(f.alice, refs: [("refs/heads/main", f.commit("c1"))])
        f.publish(st)
        let deadline = f.relay.purgatory.state(id: st.id)!.deadline
        f.now += Time.min(5)
        let snap = f.relay.shutdown(now: f.now)
        f.now += Time.min(10)
        f.relay = RelayCore(config: f.config, replica: "r0", store: f.store, storage: f.storage)
        f.relay.restore(snap, now: f.now, downtime: Time.min(10))
        #expect(f.relay.purgatory.state(id: st.id)?.deadline == deadline)
        f.advance(Time.min(14))
        #expect(f.relay.purgatory.state(id: st.id) != nil)
        f.advance(Time.min(2))
        #expect(f.relay.purgatory.state(id: st.id) == nil)
    }
}

@Suite struct GitDataFromAnyPush {
    /// A PR push to refs/nostr/<id> whose objects include a waiting state's commits
    /// releases that state: every arrival of git data goes through the same routine.
    @Test func prPushCompletesAWaitingState() {
        let f = Fixture()
        let c1 = f.commit("c1")
        let p1 = f.commit("p1", parent: c1)
        f.publish(f.announcement(f.alice))
        let st = f.state(f.alice, refs: [("refs/heads/main", c1)])
        f.publish(st)
        let pr = f.pr(f.bob, owner: f.alice, commit: p1)
        #expect(f.push(f.alice, [("refs/nostr/\(pr.id)", p1)]).allOK)
        #expect(f.served(st))
        #expect(f.refs(f.alice)["refs/heads/main"] == c1)
    }
}

@Suite struct SubscriptionsAndInfo {
    @Test func reqReturnsStoredThenEOSEAndLiveReleasedEventsButNeverPurgatory() {
        let f = Fixture()
        let c1 = f.commit("c1")
        let ann = f.announcement(f.alice)
        f.publish(ann)
        let out = f.handle(.nostr(7, .req(subID: "s", filters: [Filter(kinds: [30617, 30618])]), .user))
        // Nothing served yet: the announcement waits in purgatory. Just EOSE.
        #expect(out.count == 1)
        if case .send(7, .eose("s")) = out[0] {} else { Issue.record("expected EOSE first, got \(out)") }
        let st = f.state(f.alice, refs: [("refs/heads/main", c1)])
        let held = f.handle(.nostr(1, .event(st), .user))
        #expect(
            !held.contains {
                if case .send(7, .event) = $0 { return true }
                return false
            })
        _ = f.push(f.alice, [("refs/heads/main", c1)])
        let live = f.lastOutputs.compactMap { o -> String? in
            if case .send(7, .event("s", let e)) = o { return e.id }
            return nil
        }
        #expect(Set(live) == [ann.id, st.id])  // released events reach live subscriptions
        let again = f.handle(.nostr(7, .req(subID: "t", filters: [Filter(kinds: [30617, 30618])]), .user))
        let stored = again.compactMap { o -> String? in
            if case .send(7, .event("t", let e)) = o { return e.id }
            return nil
        }
        #expect(Set(stored) == [ann.id, st.id])
        if case .send(7, .eose("t")) = again.last! {} else { Issue.record("EOSE must come last") }
        _ = f.handle(.nostr(7, .close(subID: "s"), .user))
        let issue = f.event(f.bob, kind: 1621, tags: [["a", "30617:\(f.alice.publicKey):repo"], ["subject", "x"]])
        let after = f.handle(.nostr(1, .event(issue), .user))
        #expect(
            !after.contains {
                if case .send(7, .event("s", _)) = $0 { return true }
                return false
            })
    }

    @Test func nip11AndMalformedFrames() {
        let f = Fixture()
        guard case .reply(_, .nip11(let doc)) = f.handle(.nip11(1)).first else {
            Issue.record("no NIP-11")
            return
        }
        #expect(doc.contains("\"supported_grasps\":[\"GRASP-01\"]"))
        #expect(doc.contains("repo_acceptance_criteria"))
        #expect(!doc.contains("curation"))
        let bad = f.handle(.nostrText(1, "[\"EVENT\", {\"id\": 5}]", .user))
        guard case .send(1, .notice(let msg)) = bad.first else {
            Issue.record("expected NOTICE")
            return
        }
        #expect(msg.hasPrefix("invalid:"))
        var forged = f.announcement(f.alice)
        forged.content = "changed after signing"
        let (ok, why) = f.publish(forged)
        #expect(!ok && why.hasPrefix("invalid:"))
        #expect(f.relay.purgatory.announcements.isEmpty)  // nothing accepted, nothing lost
    }
}
