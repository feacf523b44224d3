import SimKernel
import Yams

/// A decoded YAML mapping: its entries in file order, with the location of every key.
struct Fields {
    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
    }
    let node: Node
    let location: SourceLocation
    let entries: [Entry]

    subscript(key: String) -> Node? { entries.first(where: { $0.key == key })?.value }
    func has(_ key: String) -> Bool { entries.contains(where: { $0.key == key }) }
    func entry(_ key: String) -> Entry? { entries.first(where: { $0.key == key }) }
}

/// Reads typed values out of a Yams node tree and collects every problem with its
/// file:line:column instead of stopping at the first.
final class NodeReader {
    let file: String
    private(set) var errors: [ScenarioError] = []

    init(file: String) { self.file = file }

    // MARK: Locations and errors

    func location(_ node: Node) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(file: file, line: 1, column: 1) }
        // Yams marks are 1-based already (libyaml's 0-based marks plus one).
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func error(_ location: SourceLocation, _ message: String) {
        errors.append(ScenarioError(location, message))
    }

    func error(_ node: Node, _ message: String) { error(location(node), message) }

    // MARK: Shapes

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// How a value looks, for messages: `a list`, `a mapping`, `nothing (null)`, `'text'`.
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            if isNull(node) { return "nothing (null)" }
            return "'\(s.string)'"
        }
    }

    /// The node as a mapping with plain-text keys; unknown keys are reported with a
    /// "did you mean" suggestion when a known key is close.
    func fields(_ node: Node, _ what: String, known: [String]) -> Fields? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping (key: value pairs), found \(Self.describe(node))")
            return nil
        }
        var entries: [Fields.Entry] = []
        for (k, v) in mapping {
            guard case .scalar(let ks) = k, !Self.isNull(k) else {
                error(k, "keys in \(what) must be plain text, found \(Self.describe(k))")
                continue
            }
            let key = ks.string
            if !known.contains(key) {
                var message = "unknown key '\(key)' in \(what)"
                if let near = Suggest.closest(to: key, among: known) {
                    message += "; did you mean '\(near)'?"
                } else {
                    message += " (known keys: \(known.joined(separator: ", ")))"
                }
                error(k, message)
                continue
            }
            entries.append(.init(key: key, keyNode: k, value: v))
        }
        return Fields(node: node, location: location(node), entries: entries)
    }

    func list(_ node: Node, _ what: String) -> [Node]? {
        guard case .sequence(let seq) = node else {
            error(node, "\(what) must be a list, found \(Self.describe(node))")
            return nil
        }
        return Array(seq)
    }

    /// A list, or a single value standing for a one-element list.
    func listOrOne(_ node: Node) -> [Node] {
        if case .sequence(let seq) = node { return Array(seq) }
        return [node]
    }

    // MARK: Scalars

    func text(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let s) = node, !Self.isNull(node) else {
            error(node, "\(what) must be text, found \(Self.describe(node))")
            return nil
        }
        return s.string
    }

    /// Text, possibly empty (an explicit empty string or null).
    func optionalText(_ node: Node, _ what: String) -> String? {
        if Self.isNull(node) { return "" }
        return text(node, what)
    }

    /// A name other entries refer to: letters, digits, `_`, `.`, `-`, starting with a
    /// letter or digit.
    func name(_ node: Node, _ what: String) -> String? {
        guard let t = text(node, what) else { return nil }
        if let problem = Self.nameProblem(t) {
            error(node, "\(what) '\(t)' is not a valid name: \(problem)")
            return nil
        }
        return t
    }

    static func nameProblem(_ t: String) -> String? {
        guard let first = t.unicodeScalars.first else { return "it is empty" }
        func ok(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                || c == "_" || c == "." || c == "-"
        }
        if !(("a"..."z").contains(first) || ("A"..."Z").contains(first) || ("0"..."9").contains(first)) {
            return "it must start with a letter or a digit"
        }
        if let bad = t.unicodeScalars.first(where: { !ok($0) }) {
            return "'\(bad)' is not allowed (use letters, digits, '_', '.' and '-')"
        }
        return nil
    }

    func duration(_ node: Node, _ what: String, allowNegative: Bool = false) -> SimDuration? {
        guard case .scalar(let s) = node, !Self.isNull(node) else {
            error(node, "\(what) must be a duration such as 250ms, 30s, 5m or 1h30m, found \(Self.describe(node))")
            return nil
        }
        guard let d = DurationText.parse(s.string, allowNegative: allowNegative) else {
            if !allowNegative, s.string.trimmingSpaces().hasPrefix("-"),
                DurationText.parse(s.string, allowNegative: true) != nil
            {
                error(node, "\(what) must not be negative, found '\(s.string)'")
            } else {
                error(
                    node,
                    "\(what): '\(s.string)' is not a duration (write e.g. 250ms, 30s, 5m, 2h, 1h30m, or 0; units h, m, s, ms, us, ns, largest first, whole numbers)"
                )
            }
            return nil
        }
        return d
    }

    /// `lo..hi` or a single duration (then `isRange` is false and lo == hi).
    func durationRange(_ node: Node, _ what: String) -> (lo: SimDuration, hi: SimDuration, isRange: Bool)? {
        guard case .scalar(let s) = node, !Self.isNull(node) else {
            error(node, "\(what) must be a duration or a range such as 1m..5m, found \(Self.describe(node))")
            return nil
        }
        guard let (a, b) = s.string.splitRange() else {
            guard let d = duration(node, what) else { return nil }
            return (d, d, false)
        }
        let lo = DurationText.parse(a)
        let hi = DurationText.parse(b)
        guard let lo, let hi else {
            let bad = lo == nil ? a : b
            error(
                node, "\(what): '\(bad)' in the range '\(s.string)' is not a duration (write e.g. 1m..5m or 250ms..2s)")
            return nil
        }
        if lo > hi {
            error(
                node,
                "\(what): the range '\(s.string)' starts after it ends (\(DurationText.format(lo)) > \(DurationText.format(hi)))"
            )
            return nil
        }
        return (lo, hi, true)
    }

    func number(_ node: Node, _ what: String) -> Double? {
        guard case .scalar(let s) = node, !Self.isNull(node), let v = Double(s.string.trimmingSpaces()), v.isFinite
        else {
            error(node, "\(what) must be a number, found \(Self.describe(node))")
            return nil
        }
        return v
    }

    func probability(_ node: Node, _ what: String) -> Double? {
        guard let v = number(node, what) else { return nil }
        guard v >= 0, v <= 1 else {
            error(node, "\(what) is a probability and must be between 0 and 1, found \(Self.scalarText(node))")
            return nil
        }
        return v
    }

    func integer(_ node: Node, _ what: String) -> Int64? {
        guard case .scalar(let s) = node, !Self.isNull(node), let v = Int64(s.string.trimmingSpaces()) else {
            error(node, "\(what) must be a whole number, found \(Self.describe(node))")
            return nil
        }
        return v
    }

    func bool(_ node: Node, _ what: String) -> Bool? {
        if case .scalar(let s) = node, s.style == .plain || s.style == .any {
            switch s.string {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        error(node, "\(what) must be true or false, found \(Self.describe(node))")
        return nil
    }

    static func scalarText(_ node: Node) -> String {
        if case .scalar(let s) = node { return s.string }
        return describe(node)
    }
}

/// "Did you mean" suggestions.
public enum Suggest {
    /// The candidate closest to `word`: equal up to case, `_` and `-`, or within a small
    /// edit distance (transpositions count once). Ties go to the earlier candidate.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        func norm(_ s: String) -> String { s.lowercased().filter { $0 != "_" && $0 != "-" } }
        let n = norm(word)
        if let same = candidates.first(where: { norm($0) == n }) { return same }
        let limit = Swift.max(1, Swift.min(3, word.count / 3))
        var best: (String, Int)?
        for c in candidates {
            let d = distance(Array(word.lowercased()), Array(c.lowercased()))
            if d <= limit, best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    /// Optimal string alignment distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = Swift.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = Swift.min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
