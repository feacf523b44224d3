import Foundation
import SimKernel
import Testing

@testable import Scenario

/// Each fault kind is described once (`Sources/Scenario/Faults/`); the schema, the decoder,
/// the writer, random draws and the world all read that description.
@Suite struct FaultDescriptionTests {
    static func schema() throws -> [String: Any] {
        let path = URL(fileURLWithPath: examplesDirectory).deletingLastPathComponent().appendingPathComponent(
            "scenario.schema.json"
        ).path
        let data = try #require(FileManager.default.contents(atPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theSchemaListsEveryKindWithItsMeaning() throws {
        let schema = try Self.schema()
        let defs = try #require(schema["$defs"] as? [String: Any])
        let fault = try #require(defs["fault"] as? [String: Any])
        let properties = try #require(fault["properties"] as? [String: [String: Any]])
        let timing: Set = ["at", "after", "delay", "for"]
        #expect(Set(properties.keys).subtracting(timing) == Set(FaultKind.descriptions.map(\.keyword)))
        for d in FaultKind.descriptions {
            #expect(properties[d.keyword]?["description"] as? String == d.meaning, "\(d.keyword)")
        }
        let oneOf = try #require(fault["oneOf"] as? [[String: [String]]])
        #expect(oneOf.compactMap { $0["required"]?.first }.sorted() == FaultKind.descriptions.map(\.keyword).sorted())

        let random = try #require((schema["properties"] as? [String: Any])?["random_faults"] as? [String: Any])
        let kinds = try #require(
            ((random["properties"] as? [String: Any])?["kinds"] as? [String: Any])?["items"] as? [String: Any])
        #expect(kinds["enum"] as? [String] == FaultKind.randomKinds)
    }

    /// One of each kind: written, read back, started and ended against a recording target.
    static let samples: [FaultKind] = [
        .partition(["alice"], ["relay"]), .pause("relay#1"), .crash("relay"), .clog(from: "alice", to: "relay"),
        .link(from: "alice", to: "relay", LinkSpec(latencyMin: Time.ms(5), latencyMax: Time.ms(9), loss: 0.25)),
        .oneWay(from: "relay", to: "alice"), .skew("relay#0", skew: -Time.s(3), driftPPM: 40), .isolate("relay#1"),
    ]

    @Test func everyKindHasASample() {
        #expect(Set(Self.samples.map(\.described.keyword)) == Set(FaultKind.descriptions.map(\.keyword)))
    }

    @Test(arguments: samples)
    func writtenAndReadBack(_ kind: FaultKind) throws {
        let yaml = """
            name: roundtrip
            duration: 10m
            actors: [{ name: alice }]
            relays: [{ name: relay, replicas: 2 }]
            faults:
              - { at: 1m, for: 10s, \(kind.encoded) }

            """
        let s = try ScenarioLoader.parse(yaml: yaml, file: "roundtrip.yaml")
        #expect(s.faults.map(\.kind) == [kind])
    }

    @Test(arguments: samples)
    func endUndoesWhatStartDid(_ kind: FaultKind) {
        let target = RecordingTarget()
        kind.start(on: target)
        kind.end(on: target)
        let undo = [
            "partition": "heal", "cut": "repair", "clog": "release", "pause": "resume", "crash": "restart",
            "setLink": "resetLink", "setClock": "setClock",
        ]
        #expect(target.calls.count == 2, "\(target.calls)")
        #expect(target.calls.count == 2 && undo[target.calls[0].name] == target.calls[1].name, "\(target.calls)")
        #expect(target.calls.count == 2 && target.calls[0].nodes == target.calls[1].nodes, "\(target.calls)")
    }
}

/// Records what a fault asked for.
final class RecordingTarget: FaultTarget {
    var calls: [(name: String, nodes: [String])] = []
    func partition(_ a: [String], _ b: [String]) { calls.append(("partition", a + b)) }
    func heal(_ a: [String], _ b: [String]) { calls.append(("heal", a + b)) }
    func cut(from: String, to: String) { calls.append(("cut", [from, to])) }
    func repair(from: String, to: String) { calls.append(("repair", [from, to])) }
    func clog(from: String, to: String) { calls.append(("clog", [from, to])) }
    func release(from: String, to: String) { calls.append(("release", [from, to])) }
    func pause(_ node: String) { calls.append(("pause", [node])) }
    func resume(_ node: String) { calls.append(("resume", [node])) }
    func crash(_ node: String) { calls.append(("crash", [node])) }
    func restart(_ node: String) { calls.append(("restart", [node])) }
    func setLink(from: String, to: String, _ link: LinkSpec) { calls.append(("setLink", [from, to])) }
    func resetLink(from: String, to: String) { calls.append(("resetLink", [from, to])) }
    func setClock(_ node: String, skew: SimDuration, driftPPM: Int64) { calls.append(("setClock", [node])) }
    func everyone(except node: String) -> [String] { ["alice", "relay", "locks"].filter { $0 != node } }
}
