import Foundation
import SimKernel
import Yams

/// Decoding steps, their timing and actions (see `ScenarioDecoder`).
extension ScenarioDecoder {
    static let stepKeys = ["id", "at", "after", "delay", "actor", "retry", "by", "via"] + StepAction.keywords
    /// Actions whose event may arrive from another relay (`via: sync`).
    static let syncableActions = ["announce", "state", "pull_request", "issue"]

    func decodeSteps(_ node: Node) -> [StepSpec] {
        let r = reader
        guard let items = r.list(node, "'steps'") else { return [] }
        // Flatten groups first: positions (and generated ids) count every step.
        var flat: [(node: Node, within: (SimDuration, SimDuration)?)] = []
        for item in items {
            if case .mapping(let m) = item, m["group"] != nil {
                guard let g = r.fields(item, "a group", known: ["group", "steps"]) else { continue }
                var within: (SimDuration, SimDuration)?
                if let gn = g["group"], let gf = r.fields(gn, "'group'", known: ["within"]) {
                    if let w = gf["within"] {
                        if let (lo, hi, _) = r.durationRange(w, "'within'") { within = (lo, hi) }
                    } else {
                        r.error(
                            gf.location,
                            "missing required key 'within' in 'group' (the window its steps fall in, e.g. 0s..5m)")
                    }
                }
                guard let sn = g["steps"] else {
                    r.error(g.location, "missing required key 'steps' in a group")
                    continue
                }
                guard let inner = r.list(sn, "a group's 'steps'") else { continue }
                for i in inner {
                    if case .mapping(let im) = i, im["group"] != nil {
                        r.error(i, "groups cannot be nested")
                        continue
                    }
                    flat.append((i, within ?? (0, 0)))
                }
                continue
            }
            flat.append((item, nil))
        }
        var out: [StepSpec] = []
        for (index, entry) in flat.enumerated() {
            if let step = decodeStep(entry.node, position: index + 1, flatIndex: out.count, within: entry.within) {
                out.append(step)
            }
        }
        return out
    }

    func decodeStep(_ node: Node, position: Int, flatIndex: Int, within: (SimDuration, SimDuration)?) -> StepSpec? {
        let r = reader
        guard let f = r.fields(node, "a step", known: Self.stepKeys) else { return nil }
        var id = "step\(position)"
        var idLocation = f.location
        if let n = f["id"], let given = r.name(n, "step id") {
            id = given
            idLocation = r.location(n)
        }

        let timing = decodeStepTiming(f, flatIndex: flatIndex, within: within)

        // The action.
        let actions = f.entries.filter { StepAction.keywords.contains($0.key) }
        guard let actionEntry = actions.first else {
            r.error(
                f.location, "step '\(id)' has no action; give one of: \(StepAction.keywords.joined(separator: ", "))")
            return nil
        }
        for extra in actions.dropFirst() {
            r.error(
                extra.keyNode,
                "a step has exactly one action, but step '\(id)' has both '\(actionEntry.key)' and '\(extra.key)'")
        }
        let byCoordinate = decodeBy(f, action: actionEntry.key)
        let viaSync = decodeVia(f, action: actionEntry.key, stepID: id)
        var cloneDomains: [String] = []
        guard
            let action = decodeAction(
                actionEntry, stepID: id, byCoordinate: byCoordinate,
                cloneDomains: &cloneDomains)
        else { return nil }

        var actor = ""
        if let n = f["actor"] {
            if let a = r.text(n, "'actor'") {
                if !(action.isLifecycle && a.isEmpty) { ref(.actor, a, n) }
                actor = a
            }
        } else if !action.isLifecycle {
            r.error(f.location, "step '\(id)' is missing required key 'actor' (who performs it)")
        }

        let retry = f["retry"].flatMap(decodeRetry)
        stepIDLocations.append(idLocation)
        return StepSpec(
            id: id, actor: actor, timing: timing, action: action, retry: retry,
            viaSync: viaSync, cloneDomains: cloneDomains, location: r.location(node))
    }

    /// A step's time: its group's `within` range, or its own `at:`/`after:`/`delay:`.
    private func decodeStepTiming(_ f: Fields, flatIndex: Int, within: (SimDuration, SimDuration)?) -> Timing {
        let r = reader
        var timing: Timing = .at(0)
        if let within {
            for key in ["at", "after", "delay"] {
                if let e = f.entry(key) {
                    r.error(
                        e.keyNode, "a step inside a group takes its time from the group's 'within'; remove '\(key)'")
                }
            }
            timing = .between(within.0, within.1)
        } else if let t = decodeTiming(f, "step", flatIndex: flatIndex) {
            timing = t
        }
        return timing
    }

    /// `by:` (delete steps only): whether the deletion names its target by coordinate.
    private func decodeBy(_ f: Fields, action: String) -> Bool {
        let r = reader
        var byCoordinate = false
        if let b = f["by"] {
            if action != "delete" {
                r.error(f.entry("by")!.keyNode, "'by' only applies to delete steps")
            } else if let v = r.text(b, "'by'") {
                switch v {
                case "id": byCoordinate = false
                case "coordinate": byCoordinate = true
                default: r.error(b, "'by' must be 'id' or 'coordinate', found '\(v)'")
                }
            }
        }
        return byCoordinate
    }

    /// `via:` (publishing steps only): whether the event comes from another relay.
    private func decodeVia(_ f: Fields, action: String, stepID id: String) -> Bool {
        let r = reader
        var viaSync = false
        if let e = f.entry("via") {
            if !Self.syncableActions.contains(action) {
                r.error(
                    e.keyNode,
                    "'via' only applies to announce, state, pull_request and issue steps, but step '\(id)' is a '\(action)' step"
                )
            } else if let v = r.text(e.value, "'via'") {
                switch v {
                case "sync": viaSync = true
                case "user": viaSync = false
                default:
                    r.error(
                        e.value,
                        "'via' must be 'sync' (the event comes from another relay) or 'user' (the default), found '\(v)'"
                    )
                }
            }
        }
        return viaSync
    }

    /// `retry: {every, for}`.
    private func decodeRetry(_ n: Node) -> RetrySpec? {
        let r = reader
        guard let rf = r.fields(n, "'retry'", known: ["every", "for"]) else { return nil }
        var every: SimDuration?
        var giveUp: SimDuration?
        if let e = rf["every"] {
            every = r.duration(e, "'every'")
            if let v = every, v <= 0 { r.error(e, "'every' must be longer than 0") }
        } else {
            r.error(rf.location, "missing required key 'every' in 'retry' (the wait between attempts)")
        }
        if let g = rf["for"] {
            giveUp = r.duration(g, "'for'")
        } else {
            r.error(rf.location, "missing required key 'for' in 'retry' (how long to keep trying)")
        }
        guard let every, let giveUp else { return nil }
        return RetrySpec(every: every, giveUpAfter: giveUp)
    }

    /// `at:` (a time or a range) or `after:` with an optional `delay:`.
    /// `flatIndex` is set for steps (to remember where `after:` is); nil for faults.
    func decodeTiming(_ f: Fields, _ what: String, flatIndex: Int?) -> Timing? {
        let r = reader
        let at = f.entry("at")
        let after = f.entry("after")
        let delay = f.entry("delay")
        if at != nil, let after {
            r.error(after.keyNode, "a \(what) has either 'at' or 'after', not both")
            return nil
        }
        if let at {
            guard let (lo, hi, isRange) = r.durationRange(at.value, "'at'") else { return nil }
            if let delay { r.error(delay.keyNode, "'delay' only applies together with 'after'") }
            return isRange ? .between(lo, hi) : .at(lo)
        }
        if let after {
            guard let target = r.text(after.value, "'after'") else { return nil }
            ref(.step(nil), target, after.value)
            if let flatIndex { afterLocations[flatIndex] = r.location(after.value) }
            var lo: SimDuration = 0
            var hi: SimDuration = 0
            if let delay, let (l, h, _) = r.durationRange(delay.value, "'delay'") {
                lo = l
                hi = h
            }
            return .after(step: target, lo: lo, hi: hi)
        }
        if let delay { r.error(delay.keyNode, "'delay' only applies together with 'after'") }
        r.error(
            f.location, "a \(what) needs 'at' (a time like 30s or a range like 1m..5m) or 'after' (another step's id)")
        return nil
    }

    /// The action under `e.key`, read by its kind's description (Steps/).
    func decodeAction(_ e: Fields.Entry, stepID: String, byCoordinate: Bool, cloneDomains: inout [String])
        -> StepAction?
    {
        guard let d = StepAction.descriptions.first(where: { $0.keyword == e.key }) else { return nil }
        var step = StepDecoding(stepID: stepID, byCoordinate: byCoordinate)
        let action = d.decode(self, e, &step)
        cloneDomains = step.cloneDomains
        return action
    }
}
