import Foundation
import SimKernel

/// The same seeds run under several values of one configuration key, side by side:
/// verdicts and metrics per value (`graspsim run … --compare key=v1,v2`).
public struct Comparison {
    public struct Column {
        public var value: String
        public var summaries: [ScenarioSummary]
        public init(value: String, summaries: [ScenarioSummary]) {
            self.value = value
            self.summaries = summaries
        }
    }

    public var key: String
    public var columns: [Column]
    public init(key: String, columns: [Column]) {
        self.key = key
        self.columns = columns
    }

    /// One row: a label and one cell per value, and whether the values differ enough to matter.
    public struct Row {
        public var scenario: String
        public var label: String
        public var cells: [String]
        public var differs: Bool
    }

    /// Verdict and failed seeds, then every metric some value moved (mean over seeds, with
    /// p99 and max), per scenario.
    public var rows: [Row] {
        var out: [Row] = []
        guard let first = columns.first else { return [] }
        for (i, s) in first.summaries.enumerated() {
            let per = columns.map { $0.summaries[i] }
            let verdicts = per.map { $0.failedSeeds == 0 ? "held" : "FAILED \($0.failedSeeds)/\($0.seedsRun)" }
            out.append(Row(scenario: s.name, label: "verdict", cells: verdicts, differs: Set(verdicts).count > 1))
            for m in MetricName.all where m != .simEvents {
                let stats = per.map { sum in sum.metrics.first { $0.0 == m }?.1 }
                guard stats.contains(where: { ($0?.max ?? 0) != 0 }) else { continue }
                let means = stats.map { $0?.mean ?? 0 }
                let cells = stats.map { st in
                    guard let st else { return "–" }
                    return Report.metricText(st.mean, m.unit)
                        + " (p99 \(Report.percentileText(st.p99, m.unit, exact: st.percentilesExact)), max \(Report.metricText(st.max, m.unit)))"
                }
                out.append(Row(scenario: s.name, label: m.name, cells: cells, differs: Self.matters(means)))
            }
        }
        if first.summaries.count > 1 { out += totals }
        return out
    }

    /// Over every scenario: runs failed, and each count metric summed over every run
    /// (with the share of push attempts answered 503 from those sums).
    var totals: [Row] {
        let label = "all scenarios"
        var out: [Row] = []
        let failed = columns.map { c in c.summaries.reduce(0) { $0 + $1.failedSeeds } }
        let runs = columns.map { c in c.summaries.reduce(0) { $0 + $1.seedsRun } }
        out.append(
            Row(
                scenario: label, label: "failed runs", cells: zip(failed, runs).map { "\($0) of \($1)" },
                differs: Set(failed).count > 1))
        func sum(_ m: MetricName) -> [Double] {
            columns.map { c in c.summaries.reduce(0.0) { $0 + ($1.metricValues[m.name]?.total ?? 0) } }
        }
        for m in MetricName.all where m.unit.isEmpty && m != .simEvents {
            let sums = sum(m)
            guard sums.contains(where: { $0 != 0 }) else { continue }
            out.append(
                Row(
                    scenario: label, label: m.name + " (sum)", cells: sums.map { Report.metricText($0, "") },
                    differs: Self.matters(sums)))
        }
        let attempts = sum(.pushAttempts)
        let refused = sum(.push503)
        let shares = zip(refused, attempts).map { $1 > 0 ? 100 * $0 / $1 : 0 }
        out.append(
            Row(
                scenario: label, label: "push.503_share (of all attempts)",
                cells: shares.map { Report.metricText($0, "%") },
                differs: Self.matters(shares)))
        return out
    }

    /// A difference that matters: from zero to something, or more than 10 % apart.
    static func matters(_ values: [Double]) -> Bool {
        guard let lo = values.min(), let hi = values.max(), hi != lo else { return false }
        if lo == 0 { return true }
        return (hi - lo) / max(abs(lo), abs(hi)) > 0.10
    }

    /// The console table; rows whose values differ in a way that matters start with `*`.
    public var text: String {
        var out =
            "compare \(key): " + columns.map(\.value).joined(separator: " | ") + "  (* marks differences that matter)\n"
        let widths = [34] + columns.map { _ in 40 }
        var scenario = ""
        for r in rows {
            if r.scenario != scenario {
                scenario = r.scenario
                out += "\n\(scenario)\n"
            }
            var line = (r.differs ? "* " : "  ") + pad(r.label, widths[0] - 2)
            for (c, w) in zip(r.cells, widths.dropFirst()) { line += pad(c, w) }
            out += line.trimmingCharacters(in: .whitespaces) + "\n"
        }
        return out
    }

    public var html: String {
        var h = "<!doctype html><meta charset=\"utf-8\"><title>compare \(xml(key))</title>"
        h +=
            "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:left}tr.differs{background:#fff8c5}"
        h += "td.num{font-variant-numeric:tabular-nums}</style>"
        h +=
            "<h1>Compare <code>\(xml(key))</code></h1><p>The same seeds under each value; highlighted rows differ in a way that matters (from zero, or by more than 10 %). "
        h +=
            "Each value's own report: "
            + columns.map { "<a href=\"\(xml(Self.folder(key, $0.value)))/index.html\">\(xml($0.value))</a>" }.joined(
                separator: ", ") + ".</p>"
        h +=
            "<table><tr><th>scenario</th><th>measure</th>"
            + columns.map { "<th>\(xml(key))=\(xml($0.value))</th>" }.joined() + "</tr>"
        for r in rows {
            h +=
                "<tr\(r.differs ? " class=\"differs\"" : "")><td>\(xml(r.scenario))</td><td><code>\(xml(r.label))</code></td>"
            h += r.cells.map { "<td class=\"num\">\(xml($0))</td>" }.joined() + "</tr>"
        }
        return h + "</table>\n"
    }

    public var json: String {
        var s =
            "{\n  \"key\": \(jsonString(key)),\n  \"values\": ["
            + columns.map { jsonString($0.value) }.joined(separator: ", ") + "],\n"
        s +=
            "  \"rows\": [\n"
            + rows.map { r in
                "    {\"scenario\": \(jsonString(r.scenario)), \"measure\": \(jsonString(r.label)), \"differs\": \(r.differs), \"cells\": ["
                    + r.cells.map(jsonString).joined(separator: ", ") + "]}"
            }.joined(separator: ",\n") + "\n  ]\n}\n"
        return s
    }

    /// Where one value's own report goes, inside the comparison's folder.
    public static func folder(_ key: String, _ value: String) -> String {
        "\(key)=\(value)".map { $0.isLetter || $0.isNumber || "._=-".contains($0) ? $0 : "_" }.reduce(into: "") {
            $0.append($1)
        }
    }

    func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
    }
    func xml(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }
}
