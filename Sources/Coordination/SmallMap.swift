/// A map for the few entries a lock client has in flight at once (its ops, commands and
/// timers): keys in one contiguous array searched from the end, which for a handful of
/// entries costs less than hashing a key. Removal swaps the last entry in, so `values` has
/// no order; callers that need one sort.
struct SmallMap<Key: Equatable, Value> {
    private var keys: [Key] = []
    private var items: [Value] = []

    private func index(of key: Key) -> Int? {
        var i = keys.count
        while i > 0 {
            i -= 1
            if keys[i] == key { return i }
        }
        return nil
    }

    subscript(key: Key) -> Value? {
        get { index(of: key).map { items[$0] } }
        set {
            if let i = index(of: key) {
                if let newValue { items[i] = newValue } else { remove(at: i) }
            } else if let newValue {
                keys.append(key)
                items.append(newValue)
            }
        }
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        guard let i = index(of: key) else { return nil }
        let v = items[i]
        remove(at: i)
        return v
    }

    private mutating func remove(at i: Int) {
        keys.swapAt(i, keys.count - 1)
        items.swapAt(i, items.count - 1)
        keys.removeLast()
        items.removeLast()
    }

    var values: [Value] { items }
    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }
}
