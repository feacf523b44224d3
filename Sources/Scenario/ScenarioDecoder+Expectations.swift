import Foundation
import SimKernel
import Yams

/// Decoding expectations (see `ScenarioDecoder`).
extension ScenarioDecoder {
    func decodeExpectations(_ node: Node) -> [Expectation] {
        let r = reader
        guard let items = r.list(node, "'expect'") else { return [] }
        var out: [Expectation] = []
        for item in items {
            guard let f = r.fields(item, "an expectation", known: ExpectationKind.keywords) else { continue }
            guard let e = f.entries.first else {
                r.error(f.location, "an expectation needs one of: \(ExpectationKind.keywords.joined(separator: ", "))")
                continue
            }
            for extra in f.entries.dropFirst() {
                r.error(extra.keyNode, "each expectation is its own list item; start '\(extra.key)' on a new '- ' line")
            }
            if let kind = decodeExpectation(e) { out.append(Expectation(kind: kind, location: r.location(item))) }
        }
        return out
    }

    /// The expectation under `e.key`, read by its kind's description.
    func decodeExpectation(_ e: Fields.Entry) -> ExpectationKind? {
        ExpectationKind.descriptions.first { $0.keyword == e.key }?.decode(self, e)
    }
}
