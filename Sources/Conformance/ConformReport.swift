import Foundation

/// The console table and the files of a conformance run: `summary.json`, `junit.xml`,
/// `index.html` (each failure with its transcript).
public enum ConformReport {
    public static func table(_ results: [CheckResult]) -> String {
        var out = ""
        var section = ""
        // One group per requirement, in the order requirements first appear (the slow
        // checks at the catalogue's end join their requirement's group).
        var order: [String] = []
        for r in results where !order.contains(r.section) { order.append(r.section) }
        let grouped = order.flatMap { s in results.filter { $0.section == s } }
        for r in grouped {
            if r.section != section {
                section = r.section
                out += "\n\(section)\n"
            }
            let mark = r.verdict == .pass ? "✓" : (r.verdict == .fail ? "✗" : "–")
            out += "  \(mark) \(r.level.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(r.id)"
            if r.verdict != .pass { out += " — \(r.message)" }
            if let d = r.divergence { out += " [known divergence: \(d)]" }
            for f in r.findings { out += "\n      • \(f)" }
            out += "\n"
        }
        let count = { (v: CheckResult.Verdict) in results.filter { $0.verdict == v }.count }
        let failedMust = results.filter { $0.verdict == .fail && $0.level == .must }.count
        let diverged = results.filter { $0.verdict == .fail && $0.divergence != nil }.count
        out +=
            "\n\(count(.pass)) passed, \(count(.fail)) failed (\(failedMust) MUST"
            + (diverged > 0 ? ", \(diverged) a known divergence" : "") + "), \(count(.skipped)) skipped\n"
        return out
    }

    /// Writes the three files into a new folder under `dir`; returns it.
    public static func write(_ results: [CheckResult], target: String, command: String, to dir: String) throws -> String
    {
        let stamp = DateFormatter()
        stamp.dateFormat = "yyyyMMdd-HHmmss"
        stamp.timeZone = TimeZone(identifier: "UTC")
        let folder = dir + "/conform-" + stamp.string(from: Date())
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        struct Summary: Codable {
            var target: String
            var command: String
            var verdict: String
            var passed: Int
            var failed: Int
            var skipped: Int
            var checks: [CheckResult]
        }
        let summary = Summary(
            target: target, command: command,
            verdict: ConformRunner.mustsHold(results) ? "every MUST holds" : "a MUST failed",
            passed: results.filter { $0.verdict == .pass }.count,
            failed: results.filter { $0.verdict == .fail }.count,
            skipped: results.filter { $0.verdict == .skipped }.count, checks: results)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary).write(to: URL(fileURLWithPath: folder + "/summary.json"))
        try junit(results).write(toFile: folder + "/junit.xml", atomically: true, encoding: .utf8)
        try html(results, target: target).write(toFile: folder + "/index.html", atomically: true, encoding: .utf8)
        return folder
    }

    static func xml(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func junit(_ results: [CheckResult]) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuite name=\"graspsim conform\" tests=\"\(results.count)\" failures=\"\(results.filter { $0.verdict == .fail }.count)\" skipped=\"\(results.filter { $0.verdict == .skipped }.count)\">\n"
        for r in results {
            out +=
                "  <testcase classname=\"\(xml(r.section))\" name=\"\(xml(r.id)) [\(r.level.rawValue)]\" time=\"\(String(format: "%.3f", r.seconds))\">"
            switch r.verdict {
            case .pass: break
            case .skipped: out += "<skipped message=\"\(xml(r.message))\"/>"
            case .fail:
                out += "<failure message=\"\(xml(r.message))\">\(xml(r.transcript.joined(separator: "\n")))</failure>"
            }
            out += "</testcase>\n"
        }
        return out + "</testsuite>\n"
    }

    static func html(_ results: [CheckResult], target: String) -> String {
        var order: [String] = []
        for r in results where !order.contains(r.section) { order.append(r.section) }
        var body = ""
        for section in order {
            let group = results.filter { $0.section == section }
            let failed = group.filter { $0.verdict == .fail }.count
            body +=
                "<h2>\(xml(section)) <small>\(group.count - failed - group.filter { $0.verdict == .skipped }.count)/\(group.count) pass</small></h2>\n<table>\n"
            for r in group {
                let mark = r.verdict == .pass ? "✓" : (r.verdict == .fail ? "✗" : "–")
                var why = xml(r.message)
                if let d = r.divergence { why += "<br><span class=div>known divergence: \(xml(d))</span>" }
                for f in r.findings { why += "<br><span class=find>• \(xml(f))</span>" }
                body +=
                    "<tr class=\(r.verdict.rawValue)><td>\(mark)</td><td>\(r.level.rawValue)</td><td><code>\(xml(r.id))</code></td>"
                    + "<td>\(xml(r.requirement))</td><td>\(why)</td><td>\(String(format: "%.1f s", r.seconds))</td></tr>\n"
                if r.verdict == .fail || !r.findings.isEmpty {
                    body +=
                        "<tr><td></td><td colspan=5><details\(r.verdict == .fail ? " open" : "")><summary>transcript</summary>"
                        + "<pre>\(xml(r.transcript.joined(separator: "\n")))</pre></details></td></tr>\n"
                }
            }
            body += "</table>\n"
        }
        let count = { (v: CheckResult.Verdict) in results.filter { $0.verdict == v }.count }
        return """
            <!doctype html><meta charset="utf-8"><title>graspsim conform \(xml(target))</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:1200px}td{padding:2px 8px;vertical-align:top}
            tr.pass td:first-child{color:#1a7f37}tr.fail td:first-child{color:#cf222e}tr.skipped{color:#6e7781}
            .div{color:#9a6700}.find{color:#555}pre{white-space:pre-wrap;font-size:12px;background:#f6f8fa;padding:6px}
            h2 small{font-weight:normal;color:#6e7781}</style>
            <h1>Conformance of \(xml(target))</h1>
            <p><b>\(ConformRunner.mustsHold(results) ? "Every MUST holds." : "A MUST failed.")</b>
            \(count(.pass)) passed, \(count(.fail)) failed, \(count(.skipped)) skipped.</p>
            \(body)
            """
    }
}
