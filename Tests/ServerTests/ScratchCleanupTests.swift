import Foundation
import Testing

/// A crashed test process's scratch folder is removed by the next test process; a live
/// process's is kept.
@Suite struct ScratchCleanupTests {
    @Test func foldersOfDeadProcessesAreRemovedAndLiveOnesKept() throws {
        let dir = testScratchRoot + "/cleanup-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: dir) }
        // A process that has ended: its PID names no process (until the system reuses it).
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let dead = dir + "/graspsim-server-tests-\(ended.processIdentifier)"
        let live = dir + "/graspsim-server-tests-\(getpid())"
        let other = dir + "/graspsim-server-tests-notapid"
        for p in [dead, live, other] {
            try fm.createDirectory(atPath: p + "/serve-x", withIntermediateDirectories: true)
        }
        let removed = removeScratchOfDeadTestProcesses(in: dir)
        #expect(removed == [dead])
        #expect(!fm.fileExists(atPath: dead))
        #expect(fm.fileExists(atPath: live) && fm.fileExists(atPath: other))
    }
}
