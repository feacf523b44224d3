import SimKernel

/// Checks what families say they read (`InvariantFamily.observes`): the suite hands each
/// family only those kinds of history item, so a kind left out by mistake would silently
/// drop a check. Under audit the suite also hands every family the items it says it does
/// not read, and the audit compares the family's whole state (`dump`) and the reports the
/// family made (selected invariants or not) before and after: an item a family ignores
/// leaves both unchanged. Per family and kind, the first `always` items are compared, then
/// one in `stride` up to the `50 × stride`-th, then the ones numbered by powers of two (rare
/// kinds, a crash or a failover, are always looked at; a kind with thousands of items in a
/// run, a lock's grants and releases, costs a dump of a growing state per compared item, so
/// its long tail is thinned). Tests run the
/// shipped suite under audit; it costs a dump per compared item, so sweeps never do. What
/// a dump cannot show (state outside the family's stored properties: globals, closures'
/// captures, types with custom mirrors) is outside the audit; no family keeps such state.
public final class HistoryKindAudit {
    /// What was found: a family changed by an item of a kind it does not declare.
    public private(set) var findings: [String] = []
    /// Undeclared deliveries compared, per family name and item case.
    public private(set) var compared: [String: [String: Int]] = [:]
    /// Undeclared deliveries offered, per family name and item case.
    public private(set) var offered: [String: [String: Int]] = [:]
    private let stride: Int
    private let always: Int

    public init(stride: Int = 1, always: Int = 4) {
        self.stride = max(1, stride)
        self.always = always
    }

    func deliverUndeclared(
        _ entry: HistoryEntry, to family: any InvariantFamily, in suite: CheckSuite, observe: () -> Void
    ) {
        let name = String(describing: type(of: family))
        let item = Self.caseName(entry.item)
        let n = offered[name, default: [:]][item, default: 0]
        offered[name, default: [:]][item] = n + 1
        guard n < always || (n % stride == 0 && n < 50 * stride) || n & (n - 1) == 0 else { return }
        compared[name, default: [:]][item, default: 0] += 1
        let before = Self.state(of: family)
        let reports = suite.reports
        observe()
        let changedState = Self.state(of: family) != before
        let reported = suite.reports != reports
        guard changedState || reported else { return }
        let what = changedState ? "changed its state" : "reported a violation"
        let finding = "\(name) \(what) on a \(item) item it does not declare in `observes`"
        if !findings.contains(finding) { findings.append(finding) }
    }

    static func state(of family: any InvariantFamily) -> String {
        var text = ""
        dump(family, to: &text)
        return text
    }

    static func caseName(_ item: HistoryItem) -> String { item.kindName }
}
