import Foundation

/// Names the file format shares: an action's repo, ref-name rules, `a..b` ranges. (Each
/// action's keyword is in its description, Steps/.)
extension StepAction {
    /// The repo handle this action works on, if any.
    public var repo: String? {
        switch self {
        case .announce(let r, _, _), .state(let r, _, _, _), .push(let r, _, _),
            .pullRequest(let r, _, _), .pushPR(let r, _, _, _), .issue(let r, _), .clone(let r, _),
            .reconcile(let r, _):
            return r
        case .delete, .replay, .shutdown, .crash, .restart:
            return nil
        }
    }
}

/// Git ref-name checks used for states, pushes and expectations.
enum RefName {
    /// Why `ref` is not acceptable, or nil. `branchOrTag` requires `refs/heads/` or `refs/tags/`.
    static func problem(_ ref: String, branchOrTag: Bool) -> String? {
        if branchOrTag {
            guard ref.hasPrefix("refs/heads/") || ref.hasPrefix("refs/tags/") else {
                return "ref '\(ref)' must start with refs/heads/ or refs/tags/"
            }
            if ref == "refs/heads/" || ref == "refs/tags/" { return "ref '\(ref)' has no name after the prefix" }
        } else if !ref.hasPrefix("refs/") {
            return "ref '\(ref)' must start with refs/"
        }
        // git check-ref-format rules.
        if ref.contains("..") { return "ref '\(ref)' must not contain '..'" }
        if ref.contains("@{") { return "ref '\(ref)' must not contain '@{'" }
        if ref.contains("//") { return "ref '\(ref)' must not contain '//'" }
        if ref.hasSuffix("/") || ref.hasSuffix(".") { return "ref '\(ref)' must not end with '/' or '.'" }
        if ref.hasSuffix(".lock") { return "ref '\(ref)' must not end with '.lock'" }
        for c in ref.unicodeScalars {
            if c.value < 0x20 || c.value == 0x7F || " ~^:?*[\\".unicodeScalars.contains(c) {
                let shown = c == " " ? "a space" : "'\(c.escaped(asASCII: true))'"
                return "ref '\(ref)' must not contain \(shown)"
            }
        }
        for part in ref.split(separator: "/", omittingEmptySubsequences: false) where part.hasPrefix(".") {
            return "ref '\(ref)': no part may start with '.'"
        }
        return nil
    }
}

extension String {
    /// Splits `a..b` into its two halves; nil if there is no `..`.
    func splitRange() -> (String, String)? {
        guard let r = range(of: "..") else { return nil }
        return (String(self[..<r.lowerBound]).trimmingSpaces(), String(self[r.upperBound...]).trimmingSpaces())
    }
}
