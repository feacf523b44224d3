import Foundation
import Testing

/// One concept per file: no source file grows past 500 lines (split it along its concepts).
@Suite struct CodeShapeTests {
    @Test func noSourceFileIsLongerThan500Lines() throws {
        let sources = RangeTests.root + "/Sources"
        let files = try #require(FileManager.default.enumerator(atPath: sources)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        #expect(files.count > 100)
        for file in files {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            let lines =
                text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)
            #expect(lines <= 500, "Sources/\(file) has \(lines) lines")
        }
    }
}
