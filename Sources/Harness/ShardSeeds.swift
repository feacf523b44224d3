/// The seeds one shard of a sweep runs, computed rather than stored (a sweep's memory must
/// not grow with its number of seeds): of `start ..< start + count`, those `s` with
/// `s mod n == k − 1`, ascending; every seed when there is no shard.
public struct ShardSeeds: RandomAccessCollection, Sendable {
    /// The first seed of the shard and the step between its seeds.
    private let first: UInt64
    private let stride: UInt64
    public let endIndex: Int
    public var startIndex: Int { 0 }

    public init(start: UInt64, count: UInt64, shard: (k: Int, n: Int)?) {
        guard let shard else {
            first = start
            stride = 1
            endIndex = Int(count)
            return
        }
        precondition(shard.n >= 1 && (1...shard.n).contains(shard.k), "shard \(shard.k)/\(shard.n) does not exist")
        let n = UInt64(shard.n)
        let residue = UInt64(shard.k - 1)
        // The smallest s ≥ start with s mod n == residue.
        first = start + (residue + n - start % n) % n
        stride = n
        let end = start + count
        endIndex = first >= end ? 0 : Int((end - first + n - 1) / n)
    }

    public subscript(position: Int) -> UInt64 { first + UInt64(position) * stride }
}
