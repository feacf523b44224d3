import SimKernel

/// The faults a run injected, as time spans built from the history's fault entries:
/// `start X` opens one, `end X` closes the oldest open one of that text, healing closes
/// every open one (faults without a duration end there), and anything else (a lock-service
/// failover) is an instant. Each check that needs them keeps its own.
struct FaultSpans {
    struct Span {
        var start: SimTime
        var end: SimTime?
        var isFailover: Bool
    }

    private(set) var spans: [Span] = []
    private var open: [String: [Int]] = [:]

    mutating func note(_ text: String, _ t: SimTime) {
        if text.hasPrefix("start ") {
            open[String(text.dropFirst(6)), default: []].append(spans.count)
            spans.append(Span(start: t, end: nil, isFailover: false))
        } else if text.hasPrefix("end ") {
            let key = String(text.dropFirst(4))
            guard var indices = open[key], !indices.isEmpty else { return }
            spans[indices.removeFirst()].end = t
            open[key] = indices.isEmpty ? nil : indices
        } else if text == "heal" {
            for i in open.values.joined() { spans[i].end = t }
            open.removeAll()
        } else {
            spans.append(Span(start: t, end: t, isFailover: text.hasPrefix("lock service failover")))
        }
    }

    /// True when no injected fault touched [from, to].
    func free(from: SimTime, to: SimTime) -> Bool {
        !spans.contains { $0.start <= to && ($0.end ?? SimTime.max) >= from }
    }
}
