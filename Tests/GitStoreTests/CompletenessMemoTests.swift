import SimKernel
import Testing

@testable import GitStore

/// An in-memory repository remembers objects whose whole closure it found present, and
/// `missingObjects` walks no further below them. Objects arrive in random order in two
/// repositories, one remembering and one not; every question gets the same answer.
@Suite struct CompletenessMemoTests {
    @Test func rememberingCompleteObjectsChangesNoAnswer() throws {
        var rng = SplitMix64(seed: 19)
        let source = try GitRepository.inMemory()
        var commits: [ObjectID] = []
        for i in 0..<40 {
            var files: [String: String] = [:]
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                files["dir\(rng.next() % 3)/f\(rng.next() % 5).txt"] = "content \(rng.next() % 6)"
            }
            var parents: [ObjectID] = []
            if !commits.isEmpty { parents.append(commits[Int(rng.next() % UInt64(commits.count))]) }
            if commits.count > 2, rng.next() % 4 == 0 {
                parents.append(commits[Int(rng.next() % UInt64(commits.count))])
            }
            commits.append(try source.commit(files: files, parents: parents, message: "c\(i)", time: Int64(i)))
        }
        var objects = try source.allObjectIDs()
        objects.shuffle(using: &rng)
        let remembering = try GitRepository.inMemory()
        let plain = try GitRepository.inMemory()
        plain.remembersCompleteObjects = false
        var answered = 0
        var completeAnswers = 0
        var rememberedMidway = false
        var next = 0
        while next < objects.count {
            let batch = objects[next..<min(objects.count, next + 1 + Int(rng.next() % 12))]
            next += batch.count
            for id in batch {
                let o = try source.read(id)
                try remembering.write(o.type, o.data)
                try plain.write(o.type, o.data)
            }
            for _ in 0..<6 {
                // Objects already written (often complete), any object, or any commit.
                let added = Array(objects[..<next])
                let pool = [added, objects, commits][Int(rng.next() % 3)]
                let tips = (0..<(1 + Int(rng.next() % 3))).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
                let expected = plain.missingObjects(reachableFrom: tips)
                #expect(remembering.missingObjects(reachableFrom: tips) == expected, "tips \(tips)")
                #expect(remembering.isComplete(tips) == expected.isEmpty)
                answered += 1
                if expected.isEmpty { completeAnswers += 1 }
            }
            if next < objects.count, !remembering.completeClosure.isEmpty { rememberedMidway = true }
        }
        #expect(plain.completeClosure.isEmpty)
        #expect(answered > 100 && completeAnswers > 10)
        #expect(rememberedMidway, "the memo must be used while objects are still missing")
    }
}
