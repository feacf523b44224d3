import Foundation

@testable import GitStore

/// A fresh directory under the system temp dir, unique per call.
func makeTempDir(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("graspsim-\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the `git` command line with the user's configuration ignored.
func runGit(_ args: [String], in dir: URL? = nil) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["git"] + args
    if let dir { p.currentDirectoryURL = dir }
    var env = ProcessInfo.processInfo.environment
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    env["LC_ALL"] = "C"
    p.environment = env
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return CommandResult(
        status: p.terminationStatus,
        stdout: String(decoding: o, as: UTF8.self),
        stderr: String(decoding: e, as: UTF8.self))
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// Linear history: commit i changes README.md; src/lib.txt is shared. Returns commits oldest first.
func linearHistory(
    _ repo: GitRepository, count: Int, start: Int64 = 1_700_000_000,
    parent: ObjectID? = nil, tag: String = ""
) throws -> [ObjectID] {
    var commits: [ObjectID] = []
    var parents = parent.map { [$0] } ?? []
    for i in 0..<count {
        let prefix = tag.isEmpty ? "" : tag + " "
        let c = try repo.commit(
            files: ["README.md": "\(prefix)revision \(i)\n", "src/lib.txt": "shared\n"],
            parents: parents, message: "\(prefix)commit \(i)", time: start + Int64(i))
        commits.append(c)
        parents = [c]
    }
    return commits
}
