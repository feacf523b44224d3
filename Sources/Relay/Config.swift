import SimKernel

/// Every constant of SPEC §3–4 as configuration, plus switches that put known production
/// mistakes (SPEC §8) back on purpose so the checks can be shown to catch them.
public struct RelayConfig: Sendable, Equatable {
    /// The host this service answers for: clone URLs `https://<domain>/<npub>/<d>.git`,
    /// relay URL `wss://<domain>`.
    public var domain = "relay.test"
    /// Unix seconds at simulated time zero (event `created_at` is derived from it).
    public var epochUnix: Int64 = 1_750_000_000
    public var purgatoryTTL: SimDuration = Time.min(30)
    /// How long a soft-expired announcement is kept (its repo already deleted).
    public var softExpiryRetention: SimDuration = Time.hour * 24
    /// How long the ids of expired events are remembered.
    public var expiredMemory: SimDuration = Time.day * 7
    public var sweepInterval: SimDuration = Time.s(60)
    /// GRASP-01 R3: MAY reject events unrelated to hosted repositories.
    public var acceptOrphans = false
    /// NIP-11 `curation`, only when curating.
    public var curation: String? = nil
    public var repoAcceptanceCriteria = "announcements must list this service in clone and relays"
    public var supportedGrasps = ["GRASP-01"]

    // Deliberately broken variants (SPEC §8). All false in the reference implementation.
    /// §8.1: authorize pushes from the event database only (ignores purgatory).
    public var faultAuthorizeFromDatabaseOnly = false
    /// §8.10: a replacement announcement for a purgatory entry is stored and served at once.
    public var faultReplacementBypassesPurgatory = false
    /// §8.11: peeled `^{}` entries take part in the exact-equality comparison.
    public var faultComparePeeledRefs = false
    /// §8.12: no-op pushes go through authorization against purgatory only, so one made
    /// after its state was applied is rejected.
    public var faultRejectNoOpPush = false
    /// §8.14: mark an announcement soft-expired even when deleting its repo failed.
    public var faultSoftExpireOnFailedDelete = false
    /// §8.15: objects are copied to other maintainers' repos but their purgatory
    /// announcements are not promoted.
    public var faultSkipPromotingCopies = false

    // Deliberately broken variants that exist to prove each invariant can trip (they are
    // not production failure modes of SPEC §8, just plainly wrong relays).
    /// Accept every push without looking for a state event.
    public var faultAcceptUnauthorizedPush = false
    /// Answer OK true to related events (issues, comments) but never store them.
    public var faultForgetAcceptedEvents = false
    /// Expire purgatory entries two sweep intervals before their deadline.
    public var faultExpireEarly = false
    /// Never expire anything from purgatory.
    public var faultNoExpiry = false
    /// Rejection messages without their machine-readable prefix.
    public var faultUnprefixedMessages = false
    // Broken NIP-01 basics, for showing conformance checks fail (`graspsim conform`).
    /// A REQ gets its stored events but never EOSE.
    public var faultNoEOSE = false
    /// OK answers name an id one hex digit off the event's own (`ok-names-sent-event`).
    public var faultOKNamesOtherEvent = false
    /// A frame that is not a NIP-01 message gets no NOTICE.
    public var faultSilentOnInvalidFrames = false
    /// Stored events are sent oldest first.
    public var faultOldestFirst = false
    // Broken GRASP details, for showing conformance checks fail.
    /// Only `a` and `e` tags relate an event to a hosted one (`A`, `E`, `q` ignored).
    public var faultLowercaseTagsOnly = false
    /// An event is related only by what it tags, never by being tagged by a hosted event.
    public var faultOneWayReferences = false
    /// The maintainer set is the owner's list only (maintainers' own lists ignored).
    public var faultFlatMaintainers = false
    /// Pull requests and their updates are served on arrival, without waiting for data.
    public var faultPRsSkipPurgatory = false
    /// A pull request waits forever: the push of its data does not release it.
    public var faultKeepPRsWaiting = false
    /// Of two versions with equal `created_at`, the first stored stays (not the lowest id).
    public var faultKeepFirstOnTie = false
    /// The git backend does not offer `filter` (partial clone).
    public var faultNoFilter = false
    /// The git backend refuses wants by id (no `allow-*-sha1-in-want`).
    public var faultNoSHA1InWant = false
    /// Replicas share storage: repository writes happen only under a repository lock, so
    /// those an event or the sweep would make are left to locked maintenance. Set by the
    /// deployment, not a configuration key.
    public var deferRepositoryWrites = false
    /// Test double: overrules one of the relay's decisions (`RelayDecision`) to plant a
    /// mistake; no configuration key sets it.
    public var decisionHook: TestHook<RelayDecision, Bool>? = nil

    /// Whether the service's URLs use TLS (`https://`, `wss://`). A plain local server
    /// (`graspsim serve` on loopback) announces `http://` and `ws://`. Set by the driver.
    public var secureTransport = true

    public init() {}

    public var relayURL: String { (secureTransport ? "wss://" : "ws://") + domain }
    public var gitBaseURL: String { (secureTransport ? "https://" : "http://") + domain + "/" }

    // `keys` and `set(_:_:)` come from `settings` (Configurable).
}

extension RelayConfig: Configurable {
    public static let settings: [Setting<RelayConfig>] = [
        .name("domain", \.domain, "host name of the service"),
        .duration("purgatory_ttl", \.purgatoryTTL, "how long events wait for git data", Time.s(1)...Time.day * 30),
        .duration(
            "soft_expiry_retention", \.softExpiryRetention, "how long a soft-expired announcement is kept",
            0...Time.day * 365),
        .duration("expired_memory", \.expiredMemory, "how long expired event ids are remembered", 0...Time.day * 365),
        .duration("sweep_interval", \.sweepInterval, "expiry sweep period", Time.ms(100)...Time.day),
        .flag("accept_orphans", \.acceptOrphans, "accept events unrelated to hosted repositories"),
        .flag("variant.authorize_from_database_only", \.faultAuthorizeFromDatabaseOnly, "SPEC §8.1 broken variant"),
        .flag(
            "variant.replacement_bypasses_purgatory", \.faultReplacementBypassesPurgatory, "SPEC §8.10 broken variant"),
        .flag("variant.compare_peeled_refs", \.faultComparePeeledRefs, "SPEC §8.11 broken variant"),
        .flag("variant.reject_noop_push", \.faultRejectNoOpPush, "SPEC §8.12 broken variant"),
        .flag("variant.soft_expire_on_failed_delete", \.faultSoftExpireOnFailedDelete, "SPEC §8.14 broken variant"),
        .flag("variant.skip_promoting_copies", \.faultSkipPromotingCopies, "SPEC §8.15 broken variant"),
        .flag(
            "variant.accept_unauthorized_push", \.faultAcceptUnauthorizedPush,
            "checker validation: accept pushes without a state"),
        .flag(
            "variant.forget_accepted_events", \.faultForgetAcceptedEvents,
            "checker validation: acknowledge related events without storing them"),
        .flag("variant.expire_early", \.faultExpireEarly, "checker validation: expire two sweeps early"),
        .flag("variant.no_expiry", \.faultNoExpiry, "checker validation: never expire purgatory entries"),
        .flag(
            "variant.unprefixed_messages", \.faultUnprefixedMessages,
            "checker validation: rejections without a standard prefix"),
        .flag("variant.no_eose", \.faultNoEOSE, "conformance validation: REQ never answered with EOSE"),
        .flag(
            "variant.ok_names_other_event", \.faultOKNamesOtherEvent,
            "checker validation: OK answers name an id the client never sent"),
        .flag(
            "variant.silent_on_invalid_frames", \.faultSilentOnInvalidFrames,
            "conformance validation: no NOTICE for a frame that is not NIP-01"),
        .flag("variant.oldest_first", \.faultOldestFirst, "conformance validation: stored events sent oldest first"),
        .flag(
            "variant.lowercase_tags_only", \.faultLowercaseTagsOnly, "conformance validation: A/E/q tags relate nothing"
        ),
        .flag(
            "variant.one_way_references", \.faultOneWayReferences,
            "conformance validation: events a hosted event tags are refused"),
        .flag(
            "variant.flat_maintainers", \.faultFlatMaintainers,
            "conformance validation: maintainers' own maintainer lists ignored"),
        .flag(
            "variant.prs_skip_purgatory", \.faultPRsSkipPurgatory,
            "conformance validation: pull requests served before their data"),
        .flag(
            "variant.keep_prs_waiting", \.faultKeepPRsWaiting,
            "conformance validation: a pull request's data never releases it"),
        .flag(
            "variant.keep_first_on_tie", \.faultKeepFirstOnTie,
            "conformance validation: equal created_at keeps the first stored"),
        .flag(
            "variant.no_filter", \.faultNoFilter,
            "conformance validation: git does not offer partial clone (serve only: the simulated git host has no filters)"
        ),
        .flag("variant.no_sha1_in_want", \.faultNoSHA1InWant, "conformance validation: git refuses wants by id"),
    ]
}

public struct ConfigValueError: Error, CustomStringConvertible {
    public var key: String
    public var value: String
    public var expected: String
    public var description: String { "bad value '\(value)' for \(key): expected \(expected)" }
    public init(key: String, value: String, expected: String) {
        self.key = key
        self.value = value
        self.expected = expected
    }
}

public func parseBool(_ v: String, key: String) throws -> Bool {
    switch v.lowercased() {
    case "true", "yes", "on", "1": return true
    case "false", "no", "off", "0": return false
    default: throw ConfigValueError(key: key, value: v, expected: "true or false")
    }
}

/// `250ms`, `30s`, `5m`, `2h`, `1d`, `1h30m`, `0`.
public func parseDuration(_ text: String, key: String = "duration") throws -> SimDuration {
    if let d = DurationText.parse(text) { return d }
    throw ConfigValueError(key: key, value: text, expected: "a duration such as 500ms, 30s, 5m, 2h")
}
