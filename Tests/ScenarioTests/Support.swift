import Foundation
import SimKernel
import Testing

@testable import Scenario

/// The errors `yaml` produces (empty if it parses).
func errors(_ yaml: String, file: String = "t.yaml") -> [ScenarioError] {
    do {
        _ = try ScenarioLoader.parse(yaml: yaml, file: file)
        return []
    } catch let e as ScenarioErrors {
        return e.errors
    } catch {
        Issue.record("unexpected error type: \(error)")
        return []
    }
}

/// Parses `yaml`, recording the errors as a test issue if it does not.
func parsed(_ yaml: String, file: String = "t.yaml", sourceLocation: Testing.SourceLocation = #_sourceLocation)
    -> Scenario?
{
    do {
        return try ScenarioLoader.parse(yaml: yaml, file: file)
    } catch {
        Issue.record("did not parse:\n\(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Expects exactly one error, at `line`:`column`, whose message contains every fragment.
func expectOneError(
    _ yaml: String, line: Int, column: Int, _ fragments: String...,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    let errs = errors(yaml)
    #expect(
        errs.count == 1, "expected one error, got:\n\(errs.map(\.description).joined(separator: "\n"))",
        sourceLocation: sourceLocation)
    guard let e = errs.first else { return }
    #expect(e.location.file == "t.yaml", sourceLocation: sourceLocation)
    #expect(
        e.location.line == line && e.location.column == column,
        "at \(e.location.line):\(e.location.column), expected \(line):\(column): \(e.message)",
        sourceLocation: sourceLocation)
    for f in fragments {
        #expect(e.message.contains(f), "'\(e.message)' does not contain '\(f)'", sourceLocation: sourceLocation)
    }
}

/// The repository's `docs/examples` folder.
let examplesDirectory: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/examples").path
}()

/// `withoutLocations()`, plus the locations it leaves: remotes (their holdings and
/// behaviours) and repo upstreams.
func withoutAnyLocations(_ s: Scenario) -> Scenario {
    var s = s.withoutLocations()
    s.repos = s.repos.map { r in
        var r = r
        if var u = r.upstream {
            u.location = .unknown
            r.upstream = u
        }
        return r
    }
    s.remotes = s.remotes.map { r in
        var r = r
        r.location = .unknown
        r.holds = r.holds.map {
            var h = $0
            h.location = .unknown
            return h
        }
        r.behaviours = r.behaviours.map {
            var b = $0
            b.location = .unknown
            return b
        }
        return r
    }
    return s
}

/// Compares every field of two scenarios, ignoring source locations.
func expectSameContent(_ a: Scenario, _ b: Scenario, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let a = withoutAnyLocations(a)
    let b = withoutAnyLocations(b)
    #expect(a.name == b.name, sourceLocation: sourceLocation)
    #expect(a.description == b.description, sourceLocation: sourceLocation)
    #expect(a.duration == b.duration, sourceLocation: sourceLocation)
    #expect(a.healAt == b.healAt, sourceLocation: sourceLocation)
    #expect(a.quiescenceBound == b.quiescenceBound, sourceLocation: sourceLocation)
    #expect(a.config == b.config, sourceLocation: sourceLocation)
    #expect(a.actors == b.actors, sourceLocation: sourceLocation)
    #expect(a.relays == b.relays, sourceLocation: sourceLocation)
    #expect(a.repos == b.repos, sourceLocation: sourceLocation)
    #expect(a.remotes == b.remotes, sourceLocation: sourceLocation)
    #expect(a.network == b.network, sourceLocation: sourceLocation)
    #expect(a.steps == b.steps, sourceLocation: sourceLocation)
    #expect(a.faults == b.faults, sourceLocation: sourceLocation)
    #expect(a.randomFaults == b.randomFaults, sourceLocation: sourceLocation)
    #expect(a.expectations == b.expectations, sourceLocation: sourceLocation)
    #expect(a.invariants == b.invariants, sourceLocation: sourceLocation)
}

/// A generator that counts its draws.
struct CountingRNG: RandomNumberGenerator {
    var inner: Xoshiro256StarStar
    var draws = 0
    init(seed: UInt64) { inner = Xoshiro256StarStar(seed: seed) }
    mutating func next() -> UInt64 {
        draws += 1
        return inner.next()
    }
}

/// A scratch directory for file tests, removed by the caller.
func scratchDirectory(_ name: String) throws -> String {
    let dir = NSTemporaryDirectory() + "scenario-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name)"
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
