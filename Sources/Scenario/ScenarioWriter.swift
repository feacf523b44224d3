import SimKernel

/// Writes scenarios back as scenario files (docs/scenario-format.md). Output depends only
/// on the values given: keys in a fixed order, file maps sorted by path.
public enum ScenarioWriter {
    /// A standalone scenario file. With a `schedule`, every step gets a fixed `at:` (its
    /// scheduled time, steps in schedule order), every fault (random ones included) a fixed
    /// `at:`/`for:`, and `random_faults` is dropped. Step ids are always written, so
    /// generated ids (`step3`) keep naming the same steps.
    public static func yaml(_ scenario: Scenario, schedule: Schedule?) -> String {
        var w = Lines()
        let s = scenario
        if schedule != nil {
            w.add("# A fixed schedule of scenario '\(s.name.replacingNewlines())': every time below is exact.")
        }
        w.add("name: \(scalar(s.name))")
        if !s.description.isEmpty { w.add("description: \(quoted(s.description))") }
        w.add("duration: \(DurationText.format(s.duration))")
        if let h = s.healAt { w.add("heal_at: \(DurationText.format(h))") }
        w.add("quiescence_bound: \(DurationText.format(s.quiescenceBound))")
        if !s.config.isEmpty {
            w.add("config:")
            for c in s.config { w.add("  \(scalar(c.key)): \(configValue(c.value))") }
        }
        w.add("relays:")
        for r in s.relays {
            w.add("  - { name: \(scalar(r.name)), domain: \(scalar(r.domain)), replicas: \(r.replicas) }")
        }
        if !s.actors.isEmpty {
            w.add("actors:")
            for a in s.actors {
                if let relay = a.relay {
                    w.add("  - { name: \(scalar(a.name)), relay: \(scalar(relay)) }")
                } else {
                    w.add("  - \(scalar(a.name))")
                }
            }
        }
        w.add("network: \(link(s.network, from: nil, to: nil))")
        writeRepos(s.repos, to: &w)
        writeRemotes(s.remotes, to: &w)
        let steps: [(StepSpec, Timing)] =
            schedule.map { $0.steps.map { ($0.step, Timing.at($0.time.sinceStart)) } }
            ?? s.steps.map { ($0, $0.timing) }
        if !steps.isEmpty {
            w.add("steps:")
            for (step, timing) in steps { w.add("  - \(self.step(step, timing))") }
        }
        writeFaults(s, schedule: schedule, to: &w)
        if !s.expectations.isEmpty {
            w.add("expect:")
            for e in s.expectations { w.add("  - \(expectation(e.kind))") }
        }
        if !s.invariants.isEmpty { w.add("invariants: \(list(s.invariants.map(\.rawValue)))") }
        return w.text
    }

    /// `repos:`, one block per repository.
    private static func writeRepos(_ repos: [RepoSpec], to w: inout Lines) {
        if !repos.isEmpty {
            w.add("repos:")
            for r in repos {
                w.add("  - name: \(scalar(r.name))")
                w.add("    identifier: \(scalar(r.identifier))")
                w.add("    owner: \(scalar(r.owner))")
                if !r.maintainers.isEmpty { w.add("    maintainers: \(list(r.maintainers))") }
                if !r.commits.isEmpty {
                    w.add("    commits:")
                    for c in r.commits { w.add("      - \(commit(c))") }
                }
                if let u = r.upstream {
                    w.add("    upstream: \(flow(["domain: \(scalar(u.domain))", "branch: \(scalar(u.branch))"]))")
                }
            }
        }
    }

    /// `remotes:`, one block per remote git server.
    private static func writeRemotes(_ remotes: [RemoteSpec], to w: inout Lines) {
        if !remotes.isEmpty {
            w.add("remotes:")
            for r in remotes {
                w.add("  - domain: \(scalar(r.domain))")
                w.add("    latency: \(DurationText.formatRange(r.latencyMin, r.latencyMax, collapse: true))")
                if !r.holds.isEmpty {
                    w.add("    holds:")
                    for h in r.holds { w.add("      - \(holding(h))") }
                }
                if !r.behaviours.isEmpty {
                    w.add("    behaviours:")
                    for b in r.behaviours { w.add("      - \(behaviour(b))") }
                }
            }
        }
    }

    /// `faults:` (fixed times with a schedule) and, without one, `random_faults:`.
    private static func writeFaults(_ s: Scenario, schedule: Schedule?, to w: inout Lines) {
        let faults: [String]
        if let schedule {
            faults = schedule.faults.map { f in
                var parts = ["at: \(DurationText.format(f.start.sinceStart))"]
                if let end = f.end { parts.append("for: \(DurationText.format(end - f.start))") }
                return flow(parts + [faultKind(f.kind)])
            }
        } else {
            faults = s.faults.map { f in
                var parts = timingParts(f.timing)
                if let d = f.duration {
                    parts.append("for: \(DurationText.formatRange(d, max(d, f.durationMax ?? d), collapse: true))")
                }
                return flow(parts + [faultKind(f.kind)])
            }
        }
        if !faults.isEmpty {
            w.add("faults:")
            for f in faults { w.add("  - \(f)") }
        }
        if schedule == nil, let r = s.randomFaults {
            w.add(
                "random_faults: "
                    + flow([
                        "kinds: \(list(r.kinds))",
                        "per_hour: \(number(r.perHour))",
                        "window: \(DurationText.formatRange(r.start, r.end))",
                        "duration: \(DurationText.formatRange(r.minDuration, r.maxDuration))",
                    ]))
        }
    }

    // MARK: Pieces

    struct Lines {
        var text = ""
        mutating func add(_ line: String) { text += line + "\n" }
    }

    static func flow(_ parts: [String]) -> String { parts.isEmpty ? "{}" : "{ " + parts.joined(separator: ", ") + " }" }
    static func list(_ items: [String]) -> String { "[" + items.map(scalar).joined(separator: ", ") + "]" }

    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func timingParts(_ t: Timing) -> [String] {
        switch t {
        case .at(let v): return ["at: \(DurationText.format(v))"]
        case .between(let lo, let hi): return ["at: \(DurationText.formatRange(lo, hi))"]
        case .after(let step, let lo, let hi):
            var parts = ["after: \(scalar(step))"]
            if lo != 0 || hi != 0 { parts.append("delay: \(DurationText.formatRange(lo, hi, collapse: true))") }
            return parts
        }
    }

    static func commit(_ c: CommitSpec) -> String {
        var parts = ["name: \(scalar(c.name))"]
        if !c.parents.isEmpty { parts.append("parents: \(list(c.parents))") }
        if !c.files.isEmpty {
            let files = c.files.keys.sorted().map { "\(scalar($0)): \(quoted(c.files[$0]!))" }
            parts.append("files: \(flow(files))")
        }
        return flow(parts)
    }

    static func holding(_ h: RemoteHolding) -> String {
        var parts = ["repo: \(scalar(h.repo))"]
        if !h.commits.isEmpty { parts.append("commits: \(list(h.commits))") }
        if !h.only.isEmpty { parts.append("only: \(list(h.only))") }
        if !h.refs.isEmpty { parts.append("refs: \(refMap(h.refs))") }
        return flow(parts)
    }

    static func behaviour(_ b: RemoteBehaviour) -> String {
        var parts = ["kind: \(scalar(b.kind.rawValue))", "from: \(DurationText.format(b.from))"]
        if let u = b.until { parts.append("until: \(DurationText.format(u))") }
        if let l = b.latency { parts.append("latency: \(DurationText.format(l))") }
        return flow(parts)
    }

    static func refMap(_ refs: [RefSpec]) -> String {
        flow(
            refs.map { r in
                let value: String
                if let c = r.commit {
                    value = r.annotatedTag ? flow(["commit: \(scalar(c))", "annotated: true"]) : scalar(c)
                } else {
                    value = "null"
                }
                return "\(scalar(r.ref)): \(value)"
            })
    }

    static func step(_ st: StepSpec, _ timing: Timing) -> String {
        var parts = ["id: \(scalar(st.id))"] + timingParts(timing)
        if !st.actor.isEmpty || !st.action.isLifecycle { parts.append("actor: \(scalar(st.actor))") }
        // `via` is written whatever the action, so an invalid combination is reported when
        // the file is read back rather than lost.
        if st.viaSync { parts.append("via: sync") }
        parts += st.action.encoded(cloneDomains: st.cloneDomains)
        if let r = st.retry {
            parts.append(
                "retry: \(flow(["every: \(DurationText.format(r.every))", "for: \(DurationText.format(r.giveUpAfter))"]))"
            )
        }
        return flow(parts)
    }

    static func link(_ l: LinkSpec, from: String?, to: String?) -> String {
        var parts: [String] = []
        if let from { parts.append("from: \(scalar(from))") }
        if let to { parts.append("to: \(scalar(to))") }
        parts.append("latency: \(DurationText.formatRange(l.latencyMin, l.latencyMax, collapse: true))")
        parts.append("loss: \(number(l.loss))")
        parts.append("duplicate: \(number(l.duplicate))")
        parts.append("reorder: \(number(l.reorder))")
        return flow(parts)
    }

    static func faultKind(_ k: FaultKind) -> String { k.encoded }

    /// `{ from: a, to: b }`.
    static func endpoints(_ from: String, _ to: String) -> String {
        flow(["from: \(scalar(from))", "to: \(scalar(to))"])
    }

    static func expectation(_ k: ExpectationKind) -> String { flow([k.encoded]) }

    /// `{ repo: r, owner: o, <extra> }` (the owner only when it is not the repo's own).
    static func ownedRepo(_ repo: String, _ owner: String?, _ extra: [String]) -> String {
        var a = ["repo: \(scalar(repo))"]
        if let owner { a.append("owner: \(scalar(owner))") }
        return flow(a + extra)
    }

    // MARK: Scalars

    static let reserved: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"]

    /// Plain when that reads back as the same text in any YAML tool, double-quoted otherwise.
    static func scalar(_ s: String) -> String {
        guard let first = s.unicodeScalars.first,
            ("a"..."z").contains(first) || ("A"..."Z").contains(first) || first == "_",
            !reserved.contains(s.lowercased()),
            s.unicodeScalars.allSatisfy({ c in
                ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                    || c == "_" || c == "." || c == "/" || c == "#" || c == "-"
            })
        else { return quoted(s) }
        return s
    }

    /// Config values are numbers, durations and words more often than not: those stay
    /// plain (`30m`, `false`, `0.5`); anything else is quoted.
    static func configValue(_ s: String) -> String {
        let simple =
            !s.isEmpty
            && s.unicodeScalars.allSatisfy { c in
                ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "."
                    || c == "-"
            } && !["null", "Null", "NULL", "~"].contains(s) && s.first != "-"
        return simple ? s : quoted(s)
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if c.value < 0x20 || c.value == 0x7F || c.value == 0x85 || c.value == 0x2028 || c.value == 0x2029
                    || c.value == 0xFEFF
                {
                    let hex = String(c.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    func replacingNewlines() -> String {
        String(unicodeScalars.map { $0 == "\n" || $0 == "\r" ? " " : Character($0) })
    }
}
