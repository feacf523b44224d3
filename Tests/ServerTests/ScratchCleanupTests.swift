import Foundation
import Testing

/// A crashed test process's scratch folder is removed by the next test process; a folder
/// whose owner lock is held (its process is alive), or that has no lock file, is kept.
@Suite struct ScratchCleanupTests {
    @Test func foldersWhoseLockIsFreeAreRemovedAndOthersKept() throws {
        let dir = testScratchRoot + "/cleanup-\(UUID().uuidString)"
        let fm = FileManager.default
        defer { try? fm.removeItem(atPath: dir) }
        let ended = dir + "/graspsim-server-tests-101"
        let live = dir + "/graspsim-server-tests-102"
        let unlocked = dir + "/graspsim-server-tests-103"
        for p in [ended, live, unlocked] {
            try fm.createDirectory(atPath: p + "/serve-x", withIntermediateDirectories: true)
        }
        // An ended process: its lock file is there and nobody holds it.
        let endedFD = try #require(holdScratchLock(ended))
        close(endedFD)
        // A live one: its lock is held (flock locks of two open files conflict within one
        // process too).
        let liveFD = try #require(holdScratchLock(live))
        defer { close(liveFD) }
        let removed = removeScratchOfEndedTestProcesses(in: dir)
        #expect(removed == [ended])
        #expect(!fm.fileExists(atPath: ended))
        #expect(fm.fileExists(atPath: live + "/serve-x") && fm.fileExists(atPath: unlocked + "/serve-x"))
        // This process's own scratch folder is locked too.
        #expect(fm.fileExists(atPath: testScratchRoot + "/" + scratchLockName))
    }
}
