import EventStore
import Foundation

/// One reusable event store per worker thread, in memory (`EventStore.Engine.memory`: the
/// differential test holds it equal to the server's SQLite). Reuse keeps the dictionaries'
/// capacity; a store is reset before reuse, so runs never see each other's data.
/// What stays resident between seeds: one store's emptied tables per worker.
enum StorePool {
    static let key = "graspsim.eventstore"
    static func take() throws -> EventStore {
        let dict = Thread.current.threadDictionary
        if let s = dict[key] as? EventStore {
            dict.removeObject(forKey: key)
            try s.reset()
            return s
        }
        return try EventStore(engine: .memory)
    }
    static func give(_ store: EventStore) { Thread.current.threadDictionary[key] = store }
}
