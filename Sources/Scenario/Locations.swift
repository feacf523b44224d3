extension Scenario {
    /// The same scenario with every `SourceLocation` set to `.unknown`: two scenarios with
    /// the same content then compare equal field by field, wherever they were read from.
    public func withoutLocations() -> Scenario {
        var s = self
        s.config = config.map {
            var c = $0
            c.location = .unknown
            return c
        }
        s.actors = actors.map {
            var a = $0
            a.location = .unknown
            return a
        }
        s.relays = relays.map {
            var r = $0
            r.location = .unknown
            return r
        }
        s.repos = repos.map { r in
            var r = r
            r.location = .unknown
            r.commits = r.commits.map {
                var c = $0
                c.location = .unknown
                return c
            }
            if var u = r.upstream {
                u.location = .unknown
                r.upstream = u
            }
            return r
        }
        s.remotes = remotes.map { rm in
            var rm = rm
            rm.location = .unknown
            rm.holds = rm.holds.map {
                var h = $0
                h.location = .unknown
                return h
            }
            rm.behaviours = rm.behaviours.map {
                var b = $0
                b.location = .unknown
                return b
            }
            return rm
        }
        s.steps = steps.map {
            var st = $0
            st.location = .unknown
            return st
        }
        s.faults = faults.map {
            var f = $0
            f.location = .unknown
            return f
        }
        if var rf = randomFaults {
            rf.location = .unknown
            s.randomFaults = rf
        }
        s.expectations = expectations.map {
            var e = $0
            e.location = .unknown
            return e
        }
        return s
    }
}

extension Schedule {
    /// The same schedule with every `SourceLocation` set to `.unknown`.
    public func withoutLocations() -> Schedule {
        Schedule(
            steps: steps.map {
                var st = $0
                st.step.location = .unknown
                return st
            },
            faults: faults.map {
                var f = $0
                f.location = .unknown
                return f
            })
    }
}
