import Foundation
import Nostr

/// The checks that wait for the server's purgatory ttl (`--slow`).
extension Catalogue {
    // MARK: needs the server's purgatory ttl

    static let slow: [Check] = [
        Check(
            "R4.kept-until-ttl", "R4", .should,
            "A waiting state still authorizes its push shortly before the purgatory ttl", slow: true
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            let (dir, c1) = try await c.workdir(owner, d)
            try await c.accepted(owner.state(d, refs: [("refs/heads/main", c1)]), "state")
            try await Task.sleep(nanoseconds: UInt64(c.purgatoryTTL * 0.8 * 1e9))
            let push = try await c.peer.git(["push", "origin", "main"], in: dir)
            try expect(
                push.status == 0,
                "the state no longer authorizes its push after \(c.purgatoryTTL * 0.8)s of a \(c.purgatoryTTL)s ttl: \(push.err)"
            )
        },
        Check(
            "R4.revived-by-state", "R4", .may,
            "A state for an announcement that expired without data (soft expiry) brings its repository back", slow: true
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            try await c.accepted(owner.announcement(d), "announcement")
            try await Task.sleep(nanoseconds: UInt64((c.purgatoryTTL + c.expiryMargin) * 1e9))
            let gone = try await c.peer.git(["ls-remote", c.cloneURL(owner, d)])
            try expect(gone.status != 0, "the repository did not expire, so revival cannot be checked")
            let (_, c1) = try await c.workdir(owner, d)
            try await c.accepted(owner.state(d, refs: [("refs/heads/main", c1)]), "state after expiry")
            let back = try await c.peer.git(["ls-remote", c.cloneURL(owner, d)])
            try expect(back.status == 0, "the repository is not served again after the state: \(back.err)")
        },
        Check(
            "R4.expires", "R4", .should,
            "An announcement whose git data never arrives is discarded after the purgatory ttl", slow: true
        ) { c in
            let owner = c.actor("owner")
            let d = c.identifier()
            let control = try await c.servedRepository(c.actor("control"), c.identifier("control"))
            try await c.accepted(owner.announcement(d), "announcement")
            // The ttl, plus room for the server's expiry sweep.
            try await Task.sleep(nanoseconds: UInt64((c.purgatoryTTL + c.expiryMargin) * 1e9))
            // The server is still there (a dead one would "expire" everything).
            try expect(try await c.served([control.announcement]), "the server stopped answering")
            let ls = try await c.peer.git(["ls-remote", c.cloneURL(owner, d)])
            try expect(
                ls.status != 0,
                "the repository is still served \(Int(c.purgatoryTTL + c.expiryMargin))s after the announcement")
        },
    ]
}
