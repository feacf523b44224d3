import ArgumentParser
import Conformance
import Foundation
import Relay

/// `graspsim conform <url>`: GRASP-01 requirements checked against a live implementation.
struct Conform: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a live GRASP relay/git-host requirement by requirement (NIP-01, GRASP-01 R1–R12).")

    @Argument(help: "The relay URL (ws://host:port or wss://host).") var url: String?
    @Option(parsing: .upToNextOption, help: "Only these check ids or sections (R7, NIP-01, R7.owner-state-accepted).")
    var only: [String] = []
    @Flag(help: "Also run checks that wait for the purgatory ttl.") var slow = false
    @Option(help: "The server's purgatory ttl (default 30m).") var purgatoryTtl = "30m"
    @Option(help: "How long after the ttl expiry may take (the server's sweep; default 70s).") var expiryMargin = "70s"
    @Option(help: "Checks run at once.") var jobs = 4
    @Option(help: "Folder for reports.") var reportDir = "reports"
    @Flag(help: "List the checks and exit.") var list = false
    @Flag(help: "With --list: the catalogue as the markdown table of docs/conformance.md.") var markdown = false

    func run() async throws {
        if list && markdown {
            print(Procedures.markdown(), terminator: "")
            return
        }
        if list {
            for c in Catalogue.checks {
                print("\(c.id)\t\(c.level.rawValue)\t\(c.slow ? "slow\t" : "")\(c.requirement)")
            }
            return
        }
        guard let url else {
            stderr("error: give the relay URL (ws://host:port)")
            throw Exit.badInput
        }
        var options = ConformOptions(target: url)
        options.only = only
        options.slow = slow
        options.jobs = jobs
        do {
            options.purgatoryTTL = try parseDuration(purgatoryTtl, key: "--purgatory-ttl").seconds
            options.expiryMargin = try parseDuration(expiryMargin, key: "--expiry-margin").seconds
        } catch {
            stderr("error: \(error)")
            throw Exit.badInput
        }
        let results: [CheckResult]
        do { results = try await ConformRunner.run(options) } catch {
            stderr("error: \(error)")
            throw Exit.badInput
        }
        print(ConformReport.table(results), terminator: "")
        let folder = try ConformReport.write(
            results, target: url, command: CommandLine.arguments.joined(separator: " "), to: reportDir)
        print("report: \(folder)/index.html")
        if !ConformRunner.mustsHold(results) { throw Exit.failed }
    }
}
