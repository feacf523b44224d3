/// Runs the same seed twice and compares the traces record by record.
public enum DeterminismCheck {
    public struct Outcome: Sendable {
        public var hashA: String
        public var hashB: String
        public var records: Int
        public var divergence: TraceDivergence?
        public var isDeterministic: Bool { divergence == nil && hashA == hashB }
    }

    /// `run` must build a fresh world from the seed, run it, and return its trace (with
    /// `keepRecords` on).
    public static func check(seed: UInt64, run: (UInt64) -> Trace) -> Outcome {
        let a = run(seed)
        let b = run(seed)
        return Outcome(
            hashA: a.hashHex, hashB: b.hashHex, records: a.count,
            divergence: firstDivergence(a.records, b.records))
    }
}
