import Foundation
import Testing

/// The `graspsim` binary next to the test bundle (built by `swift test` with the tests).
let graspsimBinary: String = {
    var dir = Bundle.main.bundleURL
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent("graspsim").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir.deleteLastPathComponent()
    }
    return repoRoot + "/.build/debug/graspsim"
}()

struct CommandOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `graspsim` with `arguments` in the repository root (stdin closed, stderr a pipe,
/// so never a terminal).
func graspsim(_ arguments: [String]) throws -> CommandOutput {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: graspsimBinary)
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: repoRoot)
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    // Read both pipes to the end before waiting, so a chatty child never blocks.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let errThread = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
    errThread.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    while errThread.isExecuting { usleep(1000) }
    return CommandOutput(
        status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errBox.data, as: UTF8.self))
}

func temporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("graspsim-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

@Suite(.serialized) struct CommandLine {
    /// Typos in configuration keys get suggestions, and every error of the block shows.
    @Test func configTyposAreAllReportedWithSuggestions() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/typos.yaml"
        try """
        name: typos
        config: { purgatory_tll: 10m, lock.tll: 10s, sweep_interval: soon }
        actors: [alice]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try graspsim(["validate", file, "--set", "purgatory-ttl=5m", "--set", "fencng=false"])
        #expect(r.status == 2)
        #expect(
            r.stderr.contains(
                "typos.yaml:2:11: error: unknown configuration key 'purgatory_tll'; did you mean 'purgatory_ttl'?"))
        #expect(r.stderr.contains("unknown configuration key 'lock.tll'; did you mean 'lock.ttl'?"))
        #expect(r.stderr.contains("bad value 'soon' for sweep_interval"))
        #expect(r.stderr.contains("--set: error: unknown configuration key 'fencng'; did you mean 'fencing'?"))
        // A dash for an underscore is still a typo, and gets the right name.
        #expect(
            r.stderr.contains("--set: error: unknown configuration key 'purgatory-ttl'; did you mean 'purgatory_ttl'?"))
    }

    /// `shrink` on a seed that holds says so and exits non-zero.
    @Test func shrinkingAHoldingSeedFails() throws {
        let r = try graspsim([
            "shrink", "Scenarios/arrival/01-announce-state-push.yaml", "--seed", "1", "--out", "/dev/null",
        ])
        #expect(r.status == 2)
        #expect(r.stderr.contains("holds every invariant: nothing to shrink"))
    }

    /// A time budget that cuts the sweep short says how much ran; progress is written as
    /// plain lines (no carriage returns) when standard error is not a terminal.
    @Test func timeBudgetAndPlainProgress() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try graspsim([
            "run", "Scenarios/arrival/01-announce-state-push.yaml", "Scenarios/arrival/02-any-order-arrival.yaml",
            "--seeds", "100000", "--time-budget", "2s", "--jobs", "1", "--report-dir", dir,
        ])
        #expect(r.status == 0)
        #expect(r.stdout.contains("time budget 2s reached: ran "))
        #expect(r.stdout.contains(" of 200000 planned runs"))
        #expect(!r.stderr.contains("\r"))
        #expect(r.stderr.contains("progress: "))
        #expect(r.stderr.contains("ETA"))
        let runDir = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first)
        let json = try String(contentsOfFile: dir + "/" + runDir + "/summary.json", encoding: .utf8)
        #expect(json.contains("\"time_budget\": \"2s\""))
        #expect(json.contains("\"runs_planned\": 200000"))
    }

    /// `replay --trace --only` keeps the chosen roles; each record parses with unique keys.
    @Test func traceFilter() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = dir + "/all.jsonl"
        let relay = dir + "/relay.jsonl"
        let scenario = "Scenarios/locks/10-replicated-ordinary-flow.yaml"
        let a = try graspsim(["replay", scenario, "--seed", "4", "--trace", all])
        let b = try graspsim(["replay", scenario, "--seed", "4", "--trace", relay, "--only", "relay,client"])
        #expect(a.status == 0 && b.status == 0)
        // Filtering changes the file, never the run.
        #expect(a.stdout.split(separator: "\n").last == b.stdout.split(separator: "\n").last)
        let allLines = try String(contentsOfFile: all, encoding: .utf8).split(separator: "\n")
        let relayLines = try String(contentsOfFile: relay, encoding: .utf8).split(separator: "\n")
        #expect(relayLines.count < allLines.count)
        for line in relayLines {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let node = obj["node"] as? String ?? ""
            let record = obj["record"] as? String ?? ""
            #expect(node.hasPrefix("relay") || node == "alice", "unexpected node \(node)")
            #expect(!record.hasPrefix("lock."))
        }
        let bad = try graspsim(["replay", scenario, "--seed", "4", "--trace", relay, "--only", "relya"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("did you mean 'relay'?"))
    }

    /// One invalid file stops the whole run with exit 2 and names the place.
    @Test func oneInvalidFileStopsTheRun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(
            atPath: repoRoot + "/Scenarios/arrival/01-announce-state-push.yaml", toPath: dir + "/good.yaml")
        try "name: bad\nactors: [alice]\ninvariants: [singel-writer]\n".write(
            toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let r = try graspsim(["run", dir, "--seeds", "2", "--report-dir", dir + "/reports"])
        #expect(r.status == 2)
        #expect(
            r.stderr.contains("bad.yaml:3:14: error: unknown invariant 'singel-writer'; did you mean 'single-writer'?"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/reports"))
    }

    /// `--generate` runs generated workloads: coverage is counted, a failing seed is written
    /// out as a scenario file that replays to the same verdict, a bad profile is bad input.
    @Test func generatedSweep() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try graspsim(["run", "--generate", "--profile", "all", "--seeds", "40", "--report-dir", dir])
        #expect(r.status == 0 || r.status == 1)
        #expect(r.stdout.contains("coverage: "))
        let runDir = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first)
        let data = try #require(FileManager.default.contents(atPath: dir + "/" + runDir + "/summary.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((root["coverage"] as? [String: Int])?["state-authorized-for-one-owner-only"] != nil)
        let failures = ((root["scenarios"] as? [[String: Any]])?.first?["failures"] as? [[String: Any]]) ?? []
        #expect((r.status == 1) == !failures.isEmpty)
        if let f = failures.first, let replay = f["replay"] as? String {
            let args = replay.split(separator: " ").dropFirst().map(String.init)
            #expect(FileManager.default.fileExists(atPath: args[1]))
            let again = try graspsim(args)
            #expect(again.status == 1)
            #expect(again.stdout.contains("trace-hash: \(f["trace_hash"] as? String ?? "?")"))
        }
        let bad = try graspsim(["run", "--generate", "--profile", "arival", "--seeds", "1", "--report-dir", dir])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("did you mean 'arrival'?"))
    }

    /// Shard reports merge with their metrics (exact means and maxima) and configuration;
    /// --compare prints one table per value and writes compare.json.
    @Test func shardsMergeMetricsAndCompareRuns() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = "Scenarios/locks/gc-pause.yaml"
        for k in 1...2 {
            let r = try graspsim([
                "run", file, "--seeds", "6", "--shard", "\(k)/2", "--set", "lock.ttl=20s", "--report-dir",
                dir + "/s\(k)", "--no-progress",
            ])
            #expect(r.status == 0, "\(r.stderr)")
        }
        func summary(_ d: String) throws -> [String: Any] {
            let run = try #require(try FileManager.default.contentsOfDirectory(atPath: d).first)
            let data = try #require(FileManager.default.contents(atPath: d + "/" + run + "/summary.json"))
            let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try #require((root["scenarios"] as? [[String: Any]])?.first)
        }
        let s1 = try summary(dir + "/s1")
        let s2 = try summary(dir + "/s2")
        let shardDirs = try [1, 2].map { k in
            dir + "/s\(k)/" + (try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/s\(k)").first))
        }
        let m = try graspsim(["merge"] + shardDirs + ["--out", dir + "/merged/all"])
        #expect(m.status == 0, "\(m.stderr)")
        let merged = try summary(dir + "/merged")
        func metric(_ s: [String: Any], _ name: String, _ stat: String) -> Double? {
            ((s["metrics"] as? [String: [String: Any]])?[name]?[stat] as? NSNumber)?.doubleValue
        }
        let grants1 = try #require(metric(s1, "lock.grants", "mean"))
        let grants2 = try #require(metric(s2, "lock.grants", "mean"))
        let mergedGrants = try #require(metric(merged, "lock.grants", "mean"))
        #expect(abs(mergedGrants - (grants1 + grants2) / 2) < 1e-6, "seeds split 3/3: the merged mean is the average")
        #expect(
            metric(merged, "lock.grants", "max")
                == max(metric(s1, "lock.grants", "max") ?? 0, metric(s2, "lock.grants", "max") ?? 0))
        #expect((merged["config"] as? [String: String])?["lock.ttl"] == "20s")
        #expect((merged["config_sources"] as? [String: String])?["lock.ttl"] == "--set")

        let c = try graspsim([
            "run", file, "--seeds", "4", "--compare", "fencing=true,false", "--report-dir", dir + "/cmp",
            "--no-progress",
        ])
        #expect(c.status == 0 || c.status == 1)
        #expect(c.stdout.contains("compare fencing: true | false"))
        #expect(c.stdout.contains("fencing.refused_writes"))
        let cmpRun = try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/cmp").first)
        let cmp = try #require(FileManager.default.contents(atPath: dir + "/cmp/" + cmpRun + "/compare.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: cmp) as? [String: Any])
        #expect(root["values"] as? [String] == ["true", "false"])
        let bad = try graspsim([
            "run", file, "--seeds", "1", "--compare", "lock.ttl=0s,10s", "--report-dir", dir + "/bad",
        ])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("lock.ttl"))
    }
}
