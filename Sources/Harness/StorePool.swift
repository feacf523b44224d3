import Foundation
import EventStore

/// One reusable event store per worker thread: building SQLite's schema and statement
/// cache for every seed costs more than the run itself. A store is reset before reuse, so
/// runs never see each other's data.
enum StorePool {
    static let key = "graspsim.eventstore"
    static func take() throws -> EventStore {
        let dict = Thread.current.threadDictionary
        if let s = dict[key] as? EventStore {
            dict.removeObject(forKey: key)
            try s.reset()
            return s
        }
        return try EventStore()
    }
    static func give(_ store: EventStore) { Thread.current.threadDictionary[key] = store }
}
