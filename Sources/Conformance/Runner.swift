import Foundation
import Nostr

/// How `graspsim conform` runs.
public struct ConformOptions: Sendable {
    public var target: String
    /// Check ids or sections (`R7`, `NIP-01`, `R7.owner-state-accepted`); empty: all.
    public var only: [String] = []
    public var slow = false
    public var purgatoryTTL: Double = 1800
    public var expiryMargin: Double = 70
    public var jobs = 4
    public var timeout: Double = 10
    /// Where each check's git working copies go (a folder per check, removed when the check
    /// ends); the system's temporary folder when nil.
    public var scratchRoot: String?
    public init(target: String) { self.target = target }
}

/// One check's outcome, with everything it said and heard.
public struct CheckResult: Sendable, Codable {
    public enum Verdict: String, Sendable, Codable { case pass, fail, skipped }
    public var id: String
    public var section: String
    public var level: Level
    public var requirement: String
    public var verdict: Verdict
    public var message: String
    /// The known divergence of real implementations (SPEC §9) this failure is, if any.
    public var divergence: String?
    /// Choices the server made where the requirement allows several, and known-divergent
    /// ways it met one (reported beside a pass).
    public var findings: [String]
    public var seconds: Double
    public var transcript: [String]
    public init(
        id: String, section: String, level: Level, requirement: String, verdict: Verdict, message: String,
        divergence: String? = nil, findings: [String] = [], seconds: Double, transcript: [String]
    ) {
        self.id = id
        self.section = section
        self.level = level
        self.requirement = requirement
        self.verdict = verdict
        self.message = message
        self.divergence = divergence
        self.findings = findings
        self.seconds = seconds
        self.transcript = transcript
    }
}

public enum ConformRunner {
    public enum SelectionError: Error, CustomStringConvertible {
        case unknown(String)
        public var description: String {
            switch self {
            case .unknown(let n): return "no check or section named '\(n)' (graspsim conform --list shows them)"
            }
        }
    }

    /// The checks `only` names; an unknown name is an error, never an empty pass.
    public static func select(_ only: [String]) throws -> [Check] {
        if only.isEmpty { return Catalogue.checks }
        for name in only where !Catalogue.checks.contains(where: { $0.id == name || $0.section == name }) {
            throw SelectionError.unknown(name)
        }
        return Catalogue.checks.filter { c in only.contains { $0 == c.id || $0 == c.section } }
    }

    /// Runs the selected checks, `jobs` at a time; results in catalogue order.
    public static func run(_ options: ConformOptions) async throws -> [CheckResult] {
        let target = try Target(options.target)
        let checks = try select(options.only)
        let runID = String(UUID().uuidString.lowercased().prefix(13)).replacingOccurrences(of: "-", with: "")
        // Reachable at all? (An unreachable server is bad input, not a row of failures.)
        let probe = Peer(target: target, transcript: Transcript(), runTag: [], timeout: options.timeout)
        var grasp = false
        if let nip11 = try? await probe.http("GET", "/", headers: ["Accept": "application/nostr+json"]) {
            let doc = (try? JSONSerialization.jsonObject(with: Data(nip11.body.utf8))) as? [String: Any]
            grasp = doc?["supported_grasps"] != nil
        } else {
            // No HTTP at all: a plain relay may still speak WebSocket (its R-checks fail).
            _ = try await probe.nostr([
                .req(subID: "probe", filters: [Filter(ids: [String(repeating: "0", count: 64)])])
            ])
        }

        var results = [CheckResult?](repeating: nil, count: checks.count)
        try await withThrowingTaskGroup(of: (Int, CheckResult).self) { group in
            var next = 0
            func launch() {
                let i = next
                next += 1
                let check = checks[i]
                group.addTask { (i, await runOne(check, target: target, runID: runID, grasp: grasp, options: options)) }
            }
            for _ in 0..<min(max(1, options.jobs), checks.count) { launch() }
            while let (i, r) = try await group.next() {
                results[i] = r
                if next < checks.count { launch() }
            }
        }
        return results.compactMap { $0 }
    }

    static func runOne(_ check: Check, target: Target, runID: String, grasp: Bool, options: ConformOptions) async
        -> CheckResult
    {
        var result = CheckResult(
            id: check.id, section: check.section, level: check.level, requirement: check.requirement,
            verdict: .pass, message: "", seconds: 0, transcript: [])
        if check.slow && !options.slow {
            result.verdict = .skipped
            result.message = "needs the purgatory ttl: run with --slow"
            return result
        }
        let transcript = Transcript()
        let scratch = ((options.scratchRoot ?? NSTemporaryDirectory()) as NSString)
            .appendingPathComponent("graspsim-conform-\(runID)-\(check.id)")
        let peer = Peer(target: target, transcript: transcript, runTag: [], timeout: options.timeout, scratch: scratch)
        defer { peer.removeScratch() }
        let context = CheckContext(
            peer: peer, runID: runID, checkID: check.id,
            purgatoryTTL: options.purgatoryTTL, expiryMargin: options.expiryMargin, grasp: grasp)
        let start = Date()
        do {
            try await check.body(context)
        } catch let failed as CheckFailed {
            result.verdict = .fail
            result.message = failed.description
            result.divergence = failed.divergence
        } catch {
            result.verdict = .fail
            result.message = "\(error)"
        }
        result.seconds = Date().timeIntervalSince(start)
        result.transcript = transcript.lines
        result.findings = transcript.findings
        return result
    }

    /// Exit status of the contract: 0 when every MUST holds, 1 otherwise.
    public static func mustsHold(_ results: [CheckResult]) -> Bool {
        !results.contains { $0.level == .must && $0.verdict == .fail }
    }
}
