import ArgumentParser
import Foundation
import Logging
import Server

/// `graspsim serve`: the reference relay/git-host on a real network.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the reference relay/git-host: NIP-01 over WebSocket, NIP-11 and git smart HTTP on one port.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0: any free port; the one chosen is printed).") var port = 8080
    @Option(help: "Folder for the event database, repositories and purgatory file.") var data = "graspsim-data"
    @Option(
        help: "Public host name behind a TLS proxy (URLs https://NAME, wss://NAME); default: HOST:PORT over http/ws.")
    var domain: String?
    @Option(name: .customLong("set"), help: "Setting key=value, the simulator's keys (repeatable).") var sets:
        [String] = []
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"

    func run() async throws {
        var options = ServeOptions(executable: Self.executablePath())
        options.host = host
        options.port = port
        options.dataDirectory = data
        options.domain = domain
        options.settings = try parseOverrides(sets)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "graspsim.serve")
        let bindHost = host
        do {
            try await RelayServer.run(options, logger: logger) { port in
                // The line tests and scripts wait for.
                print("graspsim serve: listening on http://\(bindHost):\(port)")
                fflush(stdout)
            }
        } catch let e as ServeError {
            stderr("error: \(e)")
            throw Exit.badInput
        }
    }

    /// This program's absolute path (the git hooks run it).
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}

/// `graspsim hook pre-receive|post-receive`: run by git inside `graspsim serve`.
struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Git hook body used by `graspsim serve` (hands ref updates to the running server).",
        shouldDisplay: false)

    @Argument(help: "pre-receive or post-receive") var which: String

    func run() throws {
        guard which == "pre-receive" || which == "post-receive" else {
            stderr("error: hook must be pre-receive or post-receive")
            throw Exit.badInput
        }
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let (status, message) = HookClient.run(which, stdin: input, environment: ProcessInfo.processInfo.environment)
        if !message.isEmpty { FileHandle.standardError.write(Data(message.utf8)) }
        if status != 0 { throw ExitCode(status) }
    }
}
