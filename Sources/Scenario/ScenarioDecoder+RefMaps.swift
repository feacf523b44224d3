import Foundation
import SimKernel
import Yams

/// Decoding ref maps (`refs: { refs/heads/main: c2 }`) and ref-name patterns.
extension ScenarioDecoder {
    /// `{ refs/heads/main: c2, refs/tags/v1: { commit: c1, annotated: true }, refs/heads/x: null }`
    /// With `allowWildcard`, a name may end in `*` (a prefix pattern: `refs/heads/conflicts/*`).
    func decodeRefMap(
        _ node: Node, repo: String?, allowDelete: Bool, what: String,
        allowWildcard: Bool = false
    ) -> [RefSpec] {
        let r = reader
        guard case .mapping(let m) = node else {
            r.error(node, "'refs' must be a mapping of ref: commit, found \(NodeReader.describe(node))")
            return []
        }
        var out: [RefSpec] = []
        for (k, v) in m {
            guard let refName = r.text(k, "a ref name") else { continue }
            if allowWildcard, refName.hasSuffix("*") {
                if let p = Self.refPatternProblem(refName) {
                    r.error(k, p)
                    continue
                }
            } else if let p = RefName.problem(refName, branchOrTag: true) {
                r.error(k, p)
                continue
            }
            if NodeReader.isNull(v) {
                if allowDelete {
                    out.append(RefSpec(ref: refName, commit: nil))
                } else {
                    r.error(v, "\(what) cannot delete a ref: '\(refName)' needs a commit")
                }
                continue
            }
            if case .mapping = v {
                guard let f = r.fields(v, "a ref", known: ["commit", "annotated"]) else { continue }
                guard let cn = f["commit"] else {
                    r.error(f.location, "missing required key 'commit' for ref '\(refName)'")
                    continue
                }
                guard let c = r.text(cn, "'commit'") else { continue }
                if let repo { ref(.commit(repo: repo), c, cn) }
                var annotated = false
                if let an = f["annotated"], let b = r.bool(an, "'annotated'") { annotated = b }
                if annotated && !refName.hasPrefix("refs/tags/") {
                    r.error(
                        f.entry("annotated")!.keyNode,
                        "only tags (refs/tags/...) can be annotated, '\(refName)' is a branch")
                }
                out.append(RefSpec(ref: refName, commit: c, annotatedTag: annotated))
                continue
            }
            guard let c = r.text(v, "the commit of '\(refName)'") else { continue }
            if let repo { ref(.commit(repo: repo), c, v) }
            out.append(RefSpec(ref: refName, commit: c))
        }
        return out
    }

    /// Why the prefix pattern `refName` (ending in `*`) is not acceptable, or nil: the part
    /// before `*` must be under refs/heads/ or refs/tags/ and be the start of a valid ref name.
    static func refPatternProblem(_ refName: String) -> String? {
        let prefix = String(refName.dropLast())
        if prefix.contains("*") {
            return "ref pattern '\(refName)' may contain only one '*', at the end"
        }
        guard prefix.hasPrefix("refs/heads/") || prefix.hasPrefix("refs/tags/") else {
            return "ref pattern '\(refName)' must start with refs/heads/ or refs/tags/ (e.g. refs/heads/conflicts/*)"
        }
        // Any ref the pattern matches extends the prefix by at least one character; check
        // the prefix as the start of such a name.
        let sample = prefix + "x"
        guard let p = RefName.problem(sample, branchOrTag: true) else { return nil }
        return p.replacingOccurrences(of: "ref '\(sample)'", with: "ref pattern '\(refName)'")
    }
}
