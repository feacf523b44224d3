import SimKernel

/// Checks what families say they read (`InvariantFamily.observes`): the suite hands each
/// family only those kinds of history item, so a kind left out by mistake would silently
/// drop a check. Under audit the suite also hands every family the items it says it does
/// not read, one in `stride` of them, and the audit compares the family's whole state
/// (`dump`) and the suite's violations before and after: an item a family ignores leaves
/// both unchanged. Tests run the shipped suite under audit; it costs a dump per
/// undeclared item, so runs never do.
public final class HistoryKindAudit {
    /// What was found: a family changed by an item of a kind it does not declare.
    public private(set) var findings: [String] = []
    /// Undeclared deliveries compared (the audit did look).
    public private(set) var compared = 0
    private let stride: Int
    private var seen = 0

    public init(stride: Int = 1) { self.stride = max(1, stride) }

    func deliverUndeclared(
        _ entry: HistoryEntry, to family: any InvariantFamily, in suite: CheckSuite, observe: () -> Void
    ) {
        seen += 1
        guard seen % stride == 0 else { return }
        compared += 1
        let before = Self.state(of: family)
        let violations = suite.violations.count + suite.suppressed
        observe()
        let changedState = Self.state(of: family) != before
        let reported = suite.violations.count + suite.suppressed != violations
        guard changedState || reported else { return }
        let name = String(describing: type(of: family))
        let what = changedState ? "changed its state" : "reported a violation"
        let finding = "\(name) \(what) on a \(Self.caseName(entry.item)) item it does not declare in `observes`"
        if !findings.contains(finding) { findings.append(finding) }
    }

    static func state(of family: any InvariantFamily) -> String {
        var text = ""
        dump(family, to: &text)
        return text
    }

    static func caseName(_ item: HistoryItem) -> String {
        String(String(describing: item).prefix { $0 != "(" })
    }
}
