import Foundation
import SimKernel
import Testing

@testable import Harness

/// The push-rejection metrics find a word in a git error on bytes when the error is ASCII;
/// they must say what `contains` says.
@Suite struct MetricsWordTests {
    @Test func mentionsAgreesWithContains() {
        let pieces = ["fencing", "fenc", "stale", "authoris", "authoriz", "e", "f", " ", ":", "\r\n", "\n", "x", "é"]
        var rng = SplitMix64(seed: 5)
        var texts = ["", "fencing", "fencing: token 3 < 4", "stale info", "authorisation failed", "é fencing"]
        for _ in 0..<5_000 {
            texts.append((0..<Int(rng.next() % 8)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined())
        }
        for text in texts {
            for word in ["fencing", "authoris", "authoriz", "stale"] {
                #expect(
                    MetricsCollector.mentions(text, word) == text.contains(word), "\(text.debugDescription) \(word)")
            }
        }
    }
}
