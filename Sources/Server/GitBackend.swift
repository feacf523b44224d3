import Foundation

/// Serves git smart HTTP with the real git programs: `git http-backend` as a CGI program,
/// its configuration passed per process (`GIT_CONFIG_COUNT`), pushes authorized by hooks
/// that call back into the server.
struct GitBackend: Sendable {
    /// The folder holding `<npub>/<d>.git` repositories.
    let projectRoot: String
    /// The folder holding the `pre-receive` and `post-receive` hooks.
    let hooksPath: String
    /// Where the hooks reach the server, and the secret they present.
    let hookURL: String
    let hookToken: String
    /// Broken variants (`variant.no_filter`, `variant.no_sha1_in_want`): capabilities withheld.
    var offersFilter = true
    var offersWantsByID = true

    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: Data
    }

    enum BackendError: Error, CustomStringConvertible {
        case badCGIOutput
        var description: String { "git http-backend answered without CGI headers" }
    }

    /// Runs one request. `pathInfo` is `/<npub>/<d>.git/…` as stored on disk.
    func run(
        method: String, pathInfo: String, query: String?, contentType: String?, contentEncoding: String?,
        gitProtocol: String?, body: Data, repoPath: String
    ) async throws -> Response {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "http-backend"]
        var env: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp",
            "GIT_PROJECT_ROOT": projectRoot,
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": pathInfo,
            "REQUEST_METHOD": method,
            "QUERY_STRING": query ?? "",
            "CONTENT_LENGTH": String(body.count),
            "REMOTE_ADDR": "127.0.0.1",
            "GRASPSIM_HOOK_URL": hookURL,
            "GRASPSIM_HOOK_TOKEN": hookToken,
            "GRASPSIM_REPO_PATH": repoPath,
        ]
        if let contentType { env["CONTENT_TYPE"] = contentType }
        if let contentEncoding { env["HTTP_CONTENT_ENCODING"] = contentEncoding }
        // Without wants by id the backend also speaks protocol v0 only: over v2 git serves any
        // reachable object by id whatever the configuration says.
        if let gitProtocol, offersWantsByID { env["GIT_PROTOCOL"] = gitProtocol }
        let config: [(String, String)] = [
            ("http.receivepack", "true"),
            ("http.uploadpack", "true"),
            ("uploadpack.allowTipSHA1InWant", offersWantsByID ? "true" : "false"),
            ("uploadpack.allowReachableSHA1InWant", offersWantsByID ? "true" : "false"),
            ("uploadpack.allowFilter", offersFilter ? "true" : "false"),
            ("core.hooksPath", hooksPath),
            ("receive.denyDeleteCurrent", "ignore"),
        ]
        env["GIT_CONFIG_COUNT"] = String(config.count)
        for (i, (k, v)) in config.enumerated() {
            env["GIT_CONFIG_KEY_\(i)"] = k
            env["GIT_CONFIG_VALUE_\(i)"] = v
        }
        process.environment = env
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Blocking pipe I/O runs on Dispatch threads, never on the concurrency pool (two
        // threads on two cores): a push's hook calls back into this server while git runs.
        // Write the body and read the answer at once: either can fill a pipe.
        let output: Data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                try? stdin.fileHandleForWriting.write(contentsOf: body)
                try? stdin.fileHandleForWriting.close()
            }
            DispatchQueue.global().async {
                let data = stdout.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: data)
            }
        }
        return try Self.parseCGI(output)
    }

    /// `Status:`/header lines, a blank line, the body.
    static func parseCGI(_ data: Data) throws -> Response {
        let crlf = Data("\r\n\r\n".utf8)
        let lf = Data("\n\n".utf8)
        let split = data.range(of: crlf) ?? data.range(of: lf)
        guard let split else { throw BackendError.badCGIOutput }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self)
        var status = 200
        var headers: [(String, String)] = []
        // ("\r\n" is one Character in Swift: split on newline scalars.)
        for line in head.components(separatedBy: CharacterSet.newlines) where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "status" {
                status = Int(value.prefix(3)) ?? 500
            } else {
                headers.append((name, value))
            }
        }
        return Response(status: status, headers: headers, body: Data(data[split.upperBound...]))
    }

    /// Writes the hooks (shell scripts that run `graspsim hook …`, so the running server
    /// decides) into `hooksPath`.
    static func installHooks(at hooksPath: String, executable: String) throws {
        try FileManager.default.createDirectory(atPath: hooksPath, withIntermediateDirectories: true)
        for hook in ["pre-receive", "post-receive"] {
            let script = "#!/bin/sh\nexec '\(executable.replacingOccurrences(of: "'", with: "'\\''"))' hook \(hook)\n"
            let path = hooksPath + "/" + hook
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
    }
}
