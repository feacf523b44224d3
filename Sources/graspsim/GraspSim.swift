import ArgumentParser
import SimKernel

struct GraspSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graspsim",
        abstract: "Deterministic simulation and conformance harness for GRASP relay/git-hosts.",
        subcommands: [Bench.self])
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print kernel and end-to-end throughput figures.")
    @Flag(help: "Print the figures as one JSON object.") var json = false
    func run() throws {
        let clock = ContinuousClock()
        let n: UInt64 = 5_000_000
        let t0 = clock.now
        let done = KernelBench.noOpEvents(events: n)
        let el = clock.now - t0
        let secs = Double(el.components.seconds) + Double(el.components.attoseconds) / 1e18
        print("kernel no-op events/s: \(Int(Double(done) / secs))")
    }
}
