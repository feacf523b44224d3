import EventStore
import GitStore
import Nostr
import SimKernel
import Testing

@testable import Relay

/// A failing event-store read is an error the client sees and the checks see — never
/// "no such event".
@Suite struct StoreFailureTests {
    /// Before: a failed read of the stored announcement looked like "none stored", so an
    /// older version was taken as new.
    @Test func eventAnsweredWithErrorWhenTheStoreCannotBeRead() {
        let f = Fixture()
        f.publish(f.announcement(f.alice))
        f.store.readFailureHook = { $0 == "latest" || $0 == "query" }
        let (ok, message) = f.publish(f.announcement(f.alice, maintainers: [f.bob]))
        #expect(!ok)
        #expect(message.hasPrefix("error:"), "\(message)")
        let reported = f.lastOutputs.contains {
            if case .observe(.storeFailed) = $0 { return true } else { return false }
        }
        #expect(reported)
        // Exactly one OK for the event.
        #expect(f.lastOutputs.filter { if case .send(_, .ok) = $0 { return true } else { return false } }.count == 1)
    }

    @Test func pushAnswered500WhenTheStoreCannotBeRead() {
        let f = Fixture()
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.alice))
        f.publish(f.state(f.alice, refs: [("refs/heads/main", c1)]))
        f.store.readFailureHook = { _ in true }
        let results = f.push(f.alice, [("refs/heads/main", c1)])
        #expect(results.first?.error?.hasPrefix("HTTP 500") == true, "\(results)")
        f.store.readFailureHook = nil
        #expect(f.push(f.alice, [("refs/heads/main", c1)]).allOK)
    }

    @Test func subscriptionClosedWithErrorWhenTheStoreCannotBeRead() {
        let f = Fixture()
        f.store.readFailureHook = { $0 == "query" }
        let out = f.handle(.nostr(2, .req(subID: "s", filters: [Filter(kinds: [1])]), .user))
        let closed = out.contains {
            if case .send(2, .closed("s", let m)) = $0 { return m.hasPrefix("error:") } else { return false }
        }
        #expect(closed)
    }
}
