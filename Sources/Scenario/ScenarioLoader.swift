import Foundation
import SimKernel
import Yams

/// Every problem found in one or more scenario files, sorted by file, line and column.
/// `description` prints one `file:line:column: error: message` line per problem.
public struct ScenarioErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ScenarioError]
    public init(_ errors: [ScenarioError]) { self.errors = errors.sorted(by: ScenarioError.inFileOrder) }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

extension ScenarioError {
    /// Orders errors by file, line, column, then message (so output never depends on the
    /// order checks ran in).
    public static func inFileOrder(_ a: ScenarioError, _ b: ScenarioError) -> Bool {
        (a.location.file, a.location.line, a.location.column, a.message)
            < (b.location.file, b.location.line, b.location.column, b.message)
    }
}

/// Reads scenario files (see docs/scenario-format.md) into validated `Scenario` values.
public enum ScenarioLoader {
    /// Loads and validates one file. Throws `ScenarioErrors` listing every problem.
    public static func load(path: String) throws -> Scenario {
        let yaml = try read(path: path)
        return try parse(yaml: yaml, file: path)
    }

    /// Parses and validates scenario text; `file` is used in error locations and stored
    /// in `Scenario.file`. Throws `ScenarioErrors` listing every problem.
    public static func parse(yaml: String, file: String) throws -> Scenario {
        let result = decode(yaml: yaml, file: file)
        guard let scenario = result.scenario, result.errors.isEmpty else {
            throw ScenarioErrors(result.errors)
        }
        return scenario
    }

    /// Loads every scenario under `paths`: files are taken as given, directories are
    /// searched recursively for `*.yaml` / `*.yml` (in sorted path order). A file listed
    /// twice is loaded once. Two scenarios with the same `name` are an error.
    public static func loadAll(paths: [String]) -> (scenarios: [Scenario], errors: [ScenarioError]) {
        let (files, fileErrors) = scenarioFiles(paths: paths)
        var errors = fileErrors
        var scenarios: [Scenario] = []
        var firstByName: [String: String] = [:]
        for file in files {
            let yaml: String
            do { yaml = try read(path: file) } catch let e as ScenarioErrors {
                errors += e.errors; continue
            } catch { continue }
            let result = decode(yaml: yaml, file: file)
            errors += result.errors
            guard let s = result.scenario, result.errors.isEmpty else { continue }
            if let other = firstByName[s.name] {
                errors.append(ScenarioError(result.nameLocation ?? SourceLocation(file: file, line: 1, column: 1),
                                            "scenario name '\(s.name)' is already used by \(other)"))
                continue
            }
            firstByName[s.name] = file
            scenarios.append(s)
        }
        return (scenarios, errors.sorted(by: ScenarioError.inFileOrder))
    }

    /// The scenario files `paths` stand for, in the order `loadAll` reads them.
    public static func scenarioFiles(paths: [String]) -> (files: [String], errors: [ScenarioError]) {
        let fm = FileManager.default
        var files: [String] = []
        var seen = Set<String>()
        var errors: [ScenarioError] = []
        func add(_ path: String) {
            let key = URL(fileURLWithPath: path).standardizedFileURL.path
            if seen.insert(key).inserted { files.append(path) }
        }
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                errors.append(ScenarioError(SourceLocation(file: path, line: 1, column: 1), "no such file or directory"))
                continue
            }
            if !isDir.boolValue { add(path); continue }
            var found: [String] = []
            if let walker = fm.enumerator(atPath: path) {
                while let rel = walker.nextObject() as? String {
                    if rel.hasSuffix(".yaml") || rel.hasSuffix(".yml") {
                        let full = path.hasSuffix("/") ? path + rel : path + "/" + rel
                        var sub: ObjCBool = false
                        if fm.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue { found.append(full) }
                    }
                }
            }
            for f in found.sorted() { add(f) }
        }
        return (files, errors)
    }

    static func read(path: String) throws -> String {
        let loc = SourceLocation(file: path, line: 1, column: 1)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioErrors([ScenarioError(loc, "cannot read the file (missing, a directory, or not readable)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioErrors([ScenarioError(loc, "the file is not valid UTF-8 text")])
        }
        return text
    }

    /// Decoding without throwing: the scenario (nil if the YAML itself is broken) and every
    /// problem found. A scenario is only valid when `errors` is empty.
    static func decode(yaml: String, file: String) -> (scenario: Scenario?, errors: [ScenarioError], nameLocation: SourceLocation?) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml, .default, .default, .utf8)
        } catch let e as YamlError {
            return (nil, [syntaxError(e, yaml: yaml, file: file)], nil)
        } catch {
            return (nil, [ScenarioError(SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")], nil)
        }
        guard let root else {
            return (nil, [ScenarioError(SourceLocation(file: file, line: 1, column: 1),
                                        "the file is empty; a scenario needs at least a 'name'")], nil)
        }
        let decoder = ScenarioDecoder(file: file)
        let scenario = decoder.decode(root)
        return (scenario, decoder.reader.errors.sorted(by: ScenarioError.inFileOrder), decoder.nameLocation)
    }

    static func syntaxError(_ e: YamlError, yaml: String, file: String) -> ScenarioError {
        func loc(_ m: Mark) -> SourceLocation { SourceLocation(file: file, line: max(1, m.line), column: max(1, m.column)) }
        func withContext(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let c = context else { return "invalid YAML: \(problem)" }
            return "invalid YAML: \(problem) (\(c.text) at line \(c.mark.line), column \(c.mark.column))"
        }
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return ScenarioError(loc(mark), withContext(problem, context))
        case let .reader(problem, offset, _, _):
            var line = 1, column = 1
            if let offset {
                for b in yaml.utf8.prefix(offset) {
                    if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
                }
            }
            return ScenarioError(SourceLocation(file: file, line: line, column: column), "invalid text: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ScenarioError(loc(context.mark), "key \(keys) appears more than once in the same mapping")
        default:
            return ScenarioError(SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(e)")
        }
    }
}

// MARK: - The decoder

/// One pass over the node tree builds the model and records every cross reference with
/// its location; a second pass (`checkReferences`) validates them against the names
/// defined anywhere in the file.
final class ScenarioDecoder {
    let reader: NodeReader
    var nameLocation: SourceLocation?

    init(file: String) { reader = NodeReader(file: file) }

    enum RefKind {
        case actor, relay, relayNode, node, repo
        case commit(repo: String)
        /// A repo that must also pass the check (the closure explains why it does not fit).
        case repoWhere((RepoSpec) -> String?)
        /// The domain of a `remotes` entry.
        case remote
        /// A domain in a `clone:` list: a remote's or a relay's.
        case cloneDomain
        /// A step id; the closure explains why the named step does not fit (or nil).
        case step(((StepSpec) -> String?)?)
    }

    struct PendingRef {
        var kind: RefKind
        var name: String
        var location: SourceLocation
    }

    var refs: [PendingRef] = []
    /// For each step (flattened order): where its `after:` value is, if it has one.
    var afterLocations: [Int: SourceLocation] = [:]
    var stepIDLocations: [SourceLocation] = []

    static let topKeys = ["name", "description", "duration", "heal_at", "quiescence_bound", "config",
                          "relays", "actors", "network", "repos", "remotes", "steps", "faults", "random_faults",
                          "expect", "invariants"]

    func ref(_ kind: RefKind, _ name: String, _ node: Node) {
        refs.append(PendingRef(kind: kind, name: name, location: reader.location(node)))
    }

    // MARK: Top level

    func decode(_ root: Node) -> Scenario? {
        let r = reader
        guard let top = r.fields(root, "the scenario", known: Self.topKeys) else { return nil }
        var s = Scenario(name: "", file: r.file)

        if let n = top["name"] {
            nameLocation = r.location(n)
            if let name = r.text(n, "'name'") {
                if name.trimmingSpaces().isEmpty { r.error(n, "'name' must not be empty") }
                s.name = name
            }
        } else {
            r.error(top.location, "missing required key 'name' (the scenario's name)")
        }
        if let n = top["description"], let d = r.optionalText(n, "'description'") { s.description = d }
        if let n = top["duration"], let d = r.duration(n, "'duration'") {
            if d <= 0 { r.error(n, "'duration' must be longer than 0") }
            s.duration = d
        }
        if let n = top["heal_at"], let d = r.duration(n, "'heal_at'") {
            if d > s.duration {
                r.error(n, "'heal_at' (\(DurationText.format(d))) is after the end of the run ('duration' \(DurationText.format(s.duration)))")
            }
            s.healAt = d
        }
        if let n = top["quiescence_bound"], let d = r.duration(n, "'quiescence_bound'") { s.quiescenceBound = d }
        if let n = top["config"] { s.config = decodeConfig(n) }
        if let n = top["relays"] {
            s.relays = decodeRelays(n)
        } else {
            s.relays = [RelaySpec(name: "relay", domain: "relay.test", replicas: 1, location: .unknown)]
        }
        if let n = top["actors"] { s.actors = decodeActors(n) }
        if let n = top["network"], let link = decodeLink(n, "'network'", base: LinkSpec(), endpoints: false) {
            s.network = link.spec
        }
        if let n = top["repos"] { s.repos = decodeRepos(n) }
        if let n = top["remotes"] { s.remotes = decodeRemotes(n) }
        if let n = top["steps"] { s.steps = decodeSteps(n) }
        if let n = top["faults"] { s.faults = decodeFaults(n, network: s.network) }
        if let n = top["random_faults"] { s.randomFaults = decodeRandomFaults(n, scenario: s) }
        if let n = top["expect"] { s.expectations = decodeExpectations(n) }
        if let n = top["invariants"], let items = r.list(n, "'invariants'") {
            defer {
                // An `expect:` list that no invariant judges would be a check silently dropped.
                if !s.expectations.isEmpty, !s.invariants.isEmpty, !s.invariants.contains(.expectations) {
                    r.error(n, "'invariants' leaves out 'expectations', so the 'expect' list would not be judged; add 'expectations' (or drop 'invariants' to check everything)")
                }
            }
            var seen = Set<String>()
            for item in items {
                guard let name = r.text(item, "an invariant name") else { continue }
                if !seen.insert(name).inserted { r.error(item, "invariant '\(name)' is listed twice") }
                guard let known = InvariantName(rawValue: name), InvariantName.selectable.contains(known) else {
                    var m = "unknown invariant '\(name)'"
                    let names = InvariantName.selectable.map(\.rawValue)
                    if let near = Suggest.closest(to: name, among: names) { m += "; did you mean '\(near)'?" }
                    else if name == InvariantName.determinism.rawValue { m += "; determinism is always checked by sweeps" }
                    else { m += " (`graspsim invariants` lists them)" }
                    r.error(item, m)
                    continue
                }
                s.invariants.append(known)
            }
        }
        checkNames(s)
        checkReferences(s)
        checkAfterCycles(s)
        return s
    }

    func decodeConfig(_ node: Node) -> [ConfigOverride] {
        let r = reader
        guard case .mapping(let m) = node else {
            r.error(node, "'config' must be a mapping of setting: value, found \(NodeReader.describe(node))")
            return []
        }
        var out: [ConfigOverride] = []
        for (k, v) in m {
            guard let key = r.text(k, "a config key") else { continue }
            guard case .scalar(let vs) = v, !NodeReader.isNull(v) else {
                r.error(v, "config value for '\(key)' must be a single value (text, number or true/false), found \(NodeReader.describe(v))")
                continue
            }
            out.append(ConfigOverride(key: key, value: vs.string, location: r.location(k)))
        }
        return out
    }

    func decodeRelays(_ node: Node) -> [RelaySpec] {
        let r = reader
        guard let items = r.list(node, "'relays'") else { return [] }
        if items.isEmpty { r.error(node, "'relays' must list at least one relay (leave it out for the default relay)") }
        var out: [RelaySpec] = []
        for item in items {
            if case .scalar = item {
                guard let name = r.name(item, "relay name") else { continue }
                out.append(RelaySpec(name: name, domain: "\(name).test", replicas: 1, location: r.location(item)))
                continue
            }
            guard let f = r.fields(item, "a relay", known: ["name", "domain", "replicas"]) else { continue }
            guard let nn = f["name"] else { r.error(f.location, "missing required key 'name' in a relay"); continue }
            guard let name = r.name(nn, "relay name") else { continue }
            var relay = RelaySpec(name: name, domain: "\(name).test", replicas: 1, location: r.location(nn))
            if let d = f["domain"], let domain = r.text(d, "'domain'") {
                if domain.isEmpty || domain.contains(where: { $0 == " " || $0 == "/" }) {
                    r.error(d, "'domain' '\(domain)' must be a host name without spaces or '/'")
                }
                relay.domain = domain
            }
            if let n = f["replicas"], let k = r.integer(n, "'replicas'") {
                if k < 1 { r.error(n, "'replicas' must be at least 1, found \(k)") }
                relay.replicas = Int(clamping: k)
            }
            out.append(relay)
        }
        return out
    }

    func decodeActors(_ node: Node) -> [ActorSpec] {
        let r = reader
        guard let items = r.list(node, "'actors'") else { return [] }
        var out: [ActorSpec] = []
        for item in items {
            if case .scalar = item {
                guard let name = r.name(item, "actor name") else { continue }
                out.append(ActorSpec(name: name, relay: nil, location: r.location(item)))
                continue
            }
            guard let f = r.fields(item, "an actor", known: ["name", "relay"]) else { continue }
            guard let nn = f["name"] else { r.error(f.location, "missing required key 'name' in an actor"); continue }
            guard let name = r.name(nn, "actor name") else { continue }
            var actor = ActorSpec(name: name, relay: nil, location: r.location(nn))
            if let rn = f["relay"], let relay = r.text(rn, "'relay'") {
                ref(.relay, relay, rn)
                actor.relay = relay
            }
            out.append(actor)
        }
        return out
    }

    struct DecodedLink {
        var from: String?
        var to: String?
        var spec: LinkSpec
    }

    func decodeLink(_ node: Node, _ what: String, base: LinkSpec, endpoints: Bool) -> DecodedLink? {
        let r = reader
        let known = (endpoints ? ["from", "to"] : []) + ["latency", "loss", "duplicate", "reorder"]
        guard let f = r.fields(node, what, known: known) else { return nil }
        var link = DecodedLink(from: nil, to: nil, spec: base)
        if endpoints {
            (link.from, link.to) = decodeEndpoints(f, what)
        }
        if let n = f["latency"], let (lo, hi, _) = r.durationRange(n, "'latency'") {
            link.spec.latencyMin = lo; link.spec.latencyMax = hi
        }
        if let n = f["loss"], let p = r.probability(n, "'loss'") { link.spec.loss = p }
        if let n = f["duplicate"], let p = r.probability(n, "'duplicate'") { link.spec.duplicate = p }
        if let n = f["reorder"], let p = r.probability(n, "'reorder'") { link.spec.reorder = p }
        return link
    }

    func decodeEndpoints(_ f: Fields, _ what: String) -> (String?, String?) {
        let r = reader
        var from: String?, to: String?
        if let n = f["from"] {
            from = r.text(n, "'from'")
            if let from { ref(.node, from, n) }
        } else { r.error(f.location, "missing required key 'from' in \(what)") }
        if let n = f["to"] {
            to = r.text(n, "'to'")
            if let to { ref(.node, to, n) }
            if let from, let to, from == to { r.error(n, "'from' and 'to' are the same node '\(to)'") }
        } else { r.error(f.location, "missing required key 'to' in \(what)") }
        return (from, to)
    }

    // MARK: Repos

    func decodeRepos(_ node: Node) -> [RepoSpec] {
        let r = reader
        guard let items = r.list(node, "'repos'") else { return [] }
        var out: [RepoSpec] = []
        for item in items {
            guard let f = r.fields(item, "a repo",
                                   known: ["name", "identifier", "owner", "maintainers", "commits", "upstream"]) else { continue }
            guard let nn = f["name"] else { r.error(f.location, "missing required key 'name' in a repo"); continue }
            guard let name = r.name(nn, "repo name") else { continue }
            var repo = RepoSpec(name: name, identifier: name, owner: "", location: r.location(nn))
            if let n = f["identifier"], let id = r.text(n, "'identifier'") {
                if id.isEmpty || id.contains(where: { $0 == " " || $0 == "/" }) {
                    r.error(n, "'identifier' '\(id)' must be non-empty without spaces or '/' (it is the d tag and part of the clone URL)")
                }
                repo.identifier = id
            }
            if let n = f["owner"] {
                if let owner = r.text(n, "'owner'") { ref(.actor, owner, n); repo.owner = owner }
            } else {
                r.error(f.location, "missing required key 'owner' in repo '\(name)' (the actor who announces it)")
            }
            if let n = f["maintainers"] { repo.maintainers = decodeActorList(n, "'maintainers'") }
            if let n = f["commits"] { repo.commits = decodeCommits(n, repo: name) }
            if let n = f["upstream"] { repo.upstream = decodeUpstream(n) }
            out.append(repo)
        }
        return out
    }

    /// `upstream: { domain: up.example, branch: main }`. A malformed upstream (reported)
    /// still counts as one, so `reconcile` steps of the repo report nothing more.
    func decodeUpstream(_ node: Node) -> UpstreamSpec {
        let r = reader
        var upstream = UpstreamSpec(domain: "", location: r.location(node))
        guard let f = r.fields(node, "'upstream'", known: ["domain", "branch"]) else { return upstream }
        if let n = f["domain"] {
            if let d = r.text(n, "'domain'") {
                ref(.remote, d, n)
                upstream.domain = d
            }
        } else {
            r.error(f.location, "missing required key 'domain' in 'upstream' (the domain of a 'remotes' entry)")
        }
        if let n = f["branch"], let b = r.text(n, "'branch'") {
            if b.hasPrefix("refs/") {
                let short = b.hasPrefix("refs/heads/") ? String(b.dropFirst("refs/heads/".count)) : ""
                r.error(n, "'branch' is a branch name without 'refs/heads/'"
                    + (short.isEmpty ? ", found '\(b)'" : "; write '\(short)'"))
            } else if b.isEmpty {
                r.error(n, "'branch' must not be empty (leave it out for 'main')")
            } else if let p = RefName.problem("refs/heads/" + b, branchOrTag: true) {
                r.error(n, "'branch' '\(b)' is not a valid branch name: \(p)")
            }
            upstream.branch = b
        }
        return upstream
    }

    func decodeActorList(_ node: Node, _ what: String) -> [String] {
        let r = reader
        guard let items = r.list(node, what) else { return [] }
        var out: [String] = []
        for item in items {
            guard let a = r.text(item, "an actor name in \(what)") else { continue }
            if out.contains(a) { r.error(item, "actor '\(a)' is listed twice in \(what)") }
            ref(.actor, a, item)
            out.append(a)
        }
        return out
    }

    func decodeCommits(_ node: Node, repo: String) -> [CommitSpec] {
        let r = reader
        guard let items = r.list(node, "'commits'") else { return [] }
        var out: [CommitSpec] = []
        var defined: [String: SourceLocation] = [:]
        // All names first, so "defined later" can be told apart from "not defined".
        var allNames = Set<String>()
        for item in items {
            if case .mapping(let m) = item, let n = m["name"], case .scalar(let s) = n { allNames.insert(s.string) }
        }
        for item in items {
            guard let f = r.fields(item, "a commit", known: ["name", "parents", "files"]) else { continue }
            guard let nn = f["name"] else { r.error(f.location, "missing required key 'name' in a commit of repo '\(repo)'"); continue }
            guard let name = r.name(nn, "commit name") else { continue }
            var commit = CommitSpec(name: name, location: r.location(nn))
            if let n = f["parents"] {
                for p in r.listOrOne(n) {
                    guard let parent = r.text(p, "a parent commit") else { continue }
                    if defined[parent] != nil {
                        if commit.parents.contains(parent) { r.error(p, "parent '\(parent)' is listed twice") }
                        commit.parents.append(parent)
                    } else if parent == name {
                        r.error(p, "commit '\(name)' cannot be its own parent")
                    } else if allNames.contains(parent) {
                        r.error(p, "parent '\(parent)' of commit '\(name)' is defined later in repo '\(repo)'; list parents before their children")
                    } else {
                        var m = "parent '\(parent)' of commit '\(name)' is not defined in repo '\(repo)'"
                        if let near = Suggest.closest(to: parent, among: out.map(\.name)) { m += "; did you mean '\(near)'?" }
                        r.error(p, m)
                    }
                }
            }
            if let n = f["files"] {
                if case .mapping(let m) = n {
                    for (k, v) in m {
                        guard let path = r.text(k, "a file path") else { continue }
                        if path.isEmpty || path.hasPrefix("/") || path.hasSuffix("/")
                            || path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." || $0 == ".git" }) {
                            r.error(k, "file path '\(path)' must be relative, without '.', '..' or '.git' parts")
                        }
                        guard let content = r.optionalText(v, "content of '\(path)'") else { continue }
                        commit.files[path] = content
                    }
                } else {
                    r.error(n, "'files' must be a mapping of path: content, found \(NodeReader.describe(n))")
                }
            }
            if let first = defined[name] {
                r.error(nn, "commit '\(name)' is defined twice in repo '\(repo)' (first at line \(first.line))")
                continue
            }
            defined[name] = commit.location
            out.append(commit)
        }
        return out
    }

    // MARK: Remotes

    func decodeRemotes(_ node: Node) -> [RemoteSpec] {
        let r = reader
        guard let items = r.list(node, "'remotes'") else { return [] }
        var out: [RemoteSpec] = []
        for item in items {
            guard let f = r.fields(item, "a remote", known: ["domain", "latency", "holds", "behaviours"]) else { continue }
            guard let dn = f["domain"] else {
                r.error(f.location, "missing required key 'domain' in a remote (its host name, e.g. mirror.example)")
                continue
            }
            guard let domain = r.text(dn, "'domain'") else { continue }
            if let problem = Self.hostProblem(domain) { r.error(dn, "remote domain '\(domain)' \(problem)") }
            var remote = RemoteSpec(domain: domain, location: r.location(dn))
            if let n = f["latency"], let (lo, hi, _) = r.durationRange(n, "'latency'") {
                remote.latencyMin = lo; remote.latencyMax = hi
            }
            if let n = f["holds"], let holds = r.list(n, "'holds'") {
                var seen: [String: SourceLocation] = [:]
                for h in holds {
                    guard let holding = decodeHolding(h) else { continue }
                    if let first = seen[holding.repo] {
                        r.error(holding.location, "remote '\(domain)' holds repo '\(holding.repo)' twice (first at line \(first.line)); merge the two entries")
                        continue
                    }
                    seen[holding.repo] = holding.location
                    remote.holds.append(holding)
                }
            }
            if let n = f["behaviours"], let list = r.list(n, "'behaviours'") {
                remote.behaviours = list.compactMap(decodeBehaviour)
            }
            out.append(remote)
        }
        return out
    }

    /// Why `domain` is not a lowercase host name (`mirror-a.example`), or nil.
    static func hostProblem(_ domain: String) -> String? {
        if domain.isEmpty { return "is empty" }
        if domain.lowercased() != domain, hostProblem(domain.lowercased()) == nil {
            return "must be lowercase; write '\(domain.lowercased())'"
        }
        let allowed = domain.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "."
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        if !allowed || labels.contains(where: { $0.isEmpty || $0.hasPrefix("-") || $0.hasSuffix("-") }) {
            return "is not a lowercase host name (labels of a-z, 0-9 and '-' separated by '.', e.g. mirror.example)"
        }
        return nil
    }

    /// `{ repo: web, commits: [c3], only: [c2], refs: { refs/heads/main: c5 } }`
    func decodeHolding(_ node: Node) -> RemoteHolding? {
        let r = reader
        guard let f = r.fields(node, "a holding", known: ["repo", "commits", "only", "refs"]) else { return nil }
        guard let rn = f["repo"] else {
            r.error(f.location, "missing required key 'repo' in a holding (the repo whose objects the remote has)")
            return nil
        }
        guard let repo = r.text(rn, "'repo'") else { return nil }
        ref(.repo, repo, rn)
        var holding = RemoteHolding(repo: repo, location: f.location)
        func commitList(_ key: String) -> [String] {
            guard let n = f[key], let items = r.list(n, "'\(key)'") else { return [] }
            var out: [String] = []
            for item in items {
                guard let c = r.text(item, "a commit in '\(key)'") else { continue }
                if out.contains(c) { r.error(item, "commit '\(c)' is listed twice in '\(key)'"); continue }
                ref(.commit(repo: repo), c, item)
                out.append(c)
            }
            return out
        }
        let errorsBefore = r.errors.count
        holding.commits = commitList("commits")
        holding.only = commitList("only")
        if let n = f["refs"] { holding.refs = decodeRefMap(n, repo: repo, allowDelete: false, what: "a holding") }
        let keys = ["commits", "only", "refs"]
        if !keys.contains(where: f.has) {
            r.error(f.location, "a holding of repo '\(repo)' must name at least one of 'commits' (full histories), 'only' (single commits' objects) or 'refs'")
        } else if r.errors.count == errorsBefore, holding.commits.isEmpty, holding.only.isEmpty, holding.refs.isEmpty {
            r.error(f.location, "a holding of repo '\(repo)' holds nothing; list commits in 'commits', 'only' or 'refs', or leave the holding out")
        }
        return holding
    }

    /// `{ kind: slow, from: 5m, until: 10m, latency: 40s }`
    func decodeBehaviour(_ node: Node) -> RemoteBehaviour? {
        let r = reader
        guard let f = r.fields(node, "a behaviour", known: ["kind", "from", "until", "latency"]) else { return nil }
        let kinds = RemoteBehaviour.Kind.allCases.map(\.rawValue)
        var kind: RemoteBehaviour.Kind?
        if let n = f["kind"] {
            if let k = r.text(n, "'kind'") {
                kind = RemoteBehaviour.Kind(rawValue: k)
                if kind == nil {
                    var m = "unknown behaviour kind '\(k)'"
                    if let near = Suggest.closest(to: k, among: kinds) { m += "; did you mean '\(near)'?" }
                    else { m += " (kinds: \(kinds.joined(separator: ", ")))" }
                    r.error(n, m)
                }
            }
        } else {
            r.error(f.location, "missing required key 'kind' in a behaviour (one of: \(kinds.joined(separator: ", ")))")
        }
        var from: SimDuration?
        if let n = f["from"] {
            from = r.duration(n, "'from'")
        } else {
            r.error(f.location, "missing required key 'from' in a behaviour (when it starts, e.g. 0s)")
        }
        var until: SimDuration?
        if let n = f["until"], let u = r.duration(n, "'until'") {
            if let from, u <= from {
                r.error(n, "'until' (\(DurationText.format(u))) must be after 'from' (\(DurationText.format(from))); leave it out to last to the end of the run")
            }
            until = u
        }
        var latency: SimDuration?
        if let e = f.entry("latency") {
            if let kind, kind != .slow {
                r.error(e.keyNode, "'latency' only applies to kind 'slow', not '\(kind.rawValue)'")
            } else if let l = r.duration(e.value, "'latency'") {
                if l <= 0 { r.error(e.value, "'latency' must be longer than 0") }
                latency = l
            }
        } else if kind == .slow {
            r.error(f.location, "missing required key 'latency' in a 'slow' behaviour (the time to answer, e.g. 40s)")
        }
        guard let kind, let from else { return nil }
        return RemoteBehaviour(kind: kind, from: from, until: until, latency: latency, location: f.location)
    }

    // MARK: Steps

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
                        r.error(gf.location, "missing required key 'within' in 'group' (the window its steps fall in, e.g. 0s..5m)")
                    }
                }
                guard let sn = g["steps"] else { r.error(g.location, "missing required key 'steps' in a group"); continue }
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
        if let n = f["id"], let given = r.name(n, "step id") { id = given; idLocation = r.location(n) }

        // Timing.
        var timing: Timing = .at(0)
        if let within {
            for key in ["at", "after", "delay"] {
                if let e = f.entry(key) {
                    r.error(e.keyNode, "a step inside a group takes its time from the group's 'within'; remove '\(key)'")
                }
            }
            timing = .between(within.0, within.1)
        } else if let t = decodeTiming(f, "step", flatIndex: flatIndex) {
            timing = t
        }

        // The action.
        let actions = f.entries.filter { StepAction.keywords.contains($0.key) }
        guard let actionEntry = actions.first else {
            r.error(f.location, "step '\(id)' has no action; give one of: \(StepAction.keywords.joined(separator: ", "))")
            return nil
        }
        for extra in actions.dropFirst() {
            r.error(extra.keyNode, "a step has exactly one action, but step '\(id)' has both '\(actionEntry.key)' and '\(extra.key)'")
        }
        var byCoordinate = false
        if let b = f["by"] {
            if actionEntry.key != "delete" {
                r.error(f.entry("by")!.keyNode, "'by' only applies to delete steps")
            } else if let v = r.text(b, "'by'") {
                switch v {
                case "id": byCoordinate = false
                case "coordinate": byCoordinate = true
                default: r.error(b, "'by' must be 'id' or 'coordinate', found '\(v)'")
                }
            }
        }
        var viaSync = false
        if let e = f.entry("via") {
            if !Self.syncableActions.contains(actionEntry.key) {
                r.error(e.keyNode, "'via' only applies to announce, state, pull_request and issue steps, but step '\(id)' is a '\(actionEntry.key)' step")
            } else if let v = r.text(e.value, "'via'") {
                switch v {
                case "sync": viaSync = true
                case "user": viaSync = false
                default: r.error(e.value, "'via' must be 'sync' (the event comes from another relay) or 'user' (the default), found '\(v)'")
                }
            }
        }
        var cloneDomains: [String] = []
        guard let action = decodeAction(actionEntry, stepID: id, byCoordinate: byCoordinate,
                                        cloneDomains: &cloneDomains) else { return nil }

        var actor = ""
        if let n = f["actor"] {
            if let a = r.text(n, "'actor'") {
                if !(action.isLifecycle && a.isEmpty) { ref(.actor, a, n) }
                actor = a
            }
        } else if !action.isLifecycle {
            r.error(f.location, "step '\(id)' is missing required key 'actor' (who performs it)")
        }

        var retry: RetrySpec?
        if let n = f["retry"], let rf = r.fields(n, "'retry'", known: ["every", "for"]) {
            var every: SimDuration?, giveUp: SimDuration?
            if let e = rf["every"] {
                every = r.duration(e, "'every'")
                if let v = every, v <= 0 { r.error(e, "'every' must be longer than 0") }
            } else { r.error(rf.location, "missing required key 'every' in 'retry' (the wait between attempts)") }
            if let g = rf["for"] {
                giveUp = r.duration(g, "'for'")
            } else { r.error(rf.location, "missing required key 'for' in 'retry' (how long to keep trying)") }
            if let every, let giveUp { retry = RetrySpec(every: every, giveUpAfter: giveUp) }
        }
        stepIDLocations.append(idLocation)
        return StepSpec(id: id, actor: actor, timing: timing, action: action, retry: retry,
                        viaSync: viaSync, cloneDomains: cloneDomains, location: r.location(node))
    }

    /// `at:` (a time or a range) or `after:` with an optional `delay:`.
    /// `flatIndex` is set for steps (to remember where `after:` is); nil for faults.
    func decodeTiming(_ f: Fields, _ what: String, flatIndex: Int?) -> Timing? {
        let r = reader
        let at = f.entry("at"), after = f.entry("after"), delay = f.entry("delay")
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
            var lo: SimDuration = 0, hi: SimDuration = 0
            if let delay, let (l, h, _) = r.durationRange(delay.value, "'delay'") { lo = l; hi = h }
            return .after(step: target, lo: lo, hi: hi)
        }
        if let delay { r.error(delay.keyNode, "'delay' only applies together with 'after'") }
        r.error(f.location, "a \(what) needs 'at' (a time like 30s or a range like 1m..5m) or 'after' (another step's id)")
        return nil
    }

    func decodeAction(_ e: Fields.Entry, stepID: String, byCoordinate: Bool, cloneDomains: inout [String]) -> StepAction? {
        let r = reader
        let v = e.value
        func repoField(_ f: Fields, _ what: String) -> String? {
            guard let n = f["repo"] else { r.error(f.location, "missing required key 'repo' in '\(what)'"); return nil }
            guard let repo = r.text(n, "'repo'") else { return nil }
            ref(.repo, repo, n)
            return repo
        }
        func ownerField(_ f: Fields) -> String? {
            guard let n = f["owner"], let o = r.text(n, "'owner'") else { return nil }
            ref(.actor, o, n)
            return o
        }
        /// `clone: [domain, ...]` of announce and pull_request: extra clone URLs.
        func domainList(_ f: Fields) -> [String] {
            guard let n = f["clone"], let items = r.list(n, "'clone'") else { return [] }
            var out: [String] = []
            for item in items {
                guard let d = r.text(item, "a domain in 'clone'") else { continue }
                if out.contains(d) { r.error(item, "domain '\(d)' is listed twice in 'clone'"); continue }
                ref(.cloneDomain, d, item)
                out.append(d)
            }
            return out
        }
        func commitField(_ f: Fields, _ repo: String?, _ what: String) -> String? {
            guard let n = f["commit"] else { r.error(f.location, "missing required key 'commit' in '\(what)'"); return nil }
            guard let c = r.text(n, "'commit'") else { return nil }
            if let repo { ref(.commit(repo: repo), c, n) }
            return c
        }
        switch e.key {
        case "announce":
            if case .scalar = v {
                guard let repo = r.text(v, "'announce'") else { return nil }
                ref(.repo, repo, v)
                return .announce(repo: repo, maintainers: nil, listsService: true)
            }
            guard let f = r.fields(v, "'announce'", known: ["repo", "maintainers", "lists_service", "clone"]) else { return nil }
            let repo = repoField(f, "announce")
            cloneDomains = domainList(f)
            var maintainers: [String]?
            if let n = f["maintainers"] { maintainers = decodeActorList(n, "'maintainers'") }
            var lists = true
            if let n = f["lists_service"], let b = r.bool(n, "'lists_service'") { lists = b }
            guard let repo else { return nil }
            return .announce(repo: repo, maintainers: maintainers, listsService: lists)

        case "state":
            guard let f = r.fields(v, "'state'", known: ["repo", "refs", "head", "peeled"]) else { return nil }
            let repo = repoField(f, "state")
            var refs: [RefSpec] = []
            if let n = f["refs"] {
                refs = decodeRefMap(n, repo: repo, allowDelete: false, what: "a state")
            } else { r.error(f.location, "missing required key 'refs' in 'state' (use refs: {} for a state with no refs)") }
            var head: String?
            if let n = f["head"], let h = r.text(n, "'head'") {
                if !h.hasPrefix("refs/heads/") {
                    r.error(n, "'head' must be a branch ref (refs/heads/...), found '\(h)'")
                } else if let p = RefName.problem(h, branchOrTag: true) { r.error(n, p) }
                head = h
            }
            var peeled = false
            if let n = f["peeled"], let b = r.bool(n, "'peeled'") { peeled = b }
            guard let repo else { return nil }
            return .state(repo: repo, refs: refs, head: head, peeled: peeled)

        case "push":
            guard let f = r.fields(v, "'push'", known: ["repo", "owner", "refs"]) else { return nil }
            let repo = repoField(f, "push")
            let owner = ownerField(f)
            var refs: [RefSpec] = []
            if let n = f["refs"] {
                refs = decodeRefMap(n, repo: repo, allowDelete: true, what: "a push")
                if case .mapping(let m) = n, m.count == 0 { r.error(n, "a push needs at least one ref") }
            } else { r.error(f.location, "missing required key 'refs' in 'push'") }
            guard let repo else { return nil }
            return .push(repo: repo, owner: owner, refs: refs)

        case "pull_request":
            guard let f = r.fields(v, "'pull_request'", known: ["repo", "commit", "clone"]) else { return nil }
            let repo = repoField(f, "pull_request")
            cloneDomains = domainList(f)
            let commit = commitField(f, repo, "pull_request")
            guard let repo, let commit else { return nil }
            return .pullRequest(repo: repo, pr: stepID, commit: commit)

        case "push_pr":
            guard let f = r.fields(v, "'push_pr'", known: ["repo", "pr", "commit", "raw_ref"]) else { return nil }
            let repo = repoField(f, "push_pr")
            var pr: String?
            if let n = f["pr"] {
                pr = r.text(n, "'pr'")
                if let pr {
                    ref(.step({ target in
                        if case .pullRequest = target.action { return nil }
                        return "'pr' must name a pull_request step, but step '\(pr)' is \(target.action.keywordWithArticle) step"
                    }), pr, n)
                }
            } else { r.error(f.location, "missing required key 'pr' in 'push_pr' (the id of a pull_request step)") }
            let commit = commitField(f, repo, "push_pr")
            var raw: String?
            if let n = f["raw_ref"], let t = r.text(n, "'raw_ref'") {
                if t.isEmpty || t.contains(" ") { r.error(n, "'raw_ref' must be non-empty without spaces, found '\(t)'") }
                raw = t
            }
            guard let repo, let pr, let commit else { return nil }
            return .pushPR(repo: repo, pr: pr, commit: commit, rawRef: raw)

        case "issue":
            if case .scalar = v {
                guard let repo = r.text(v, "'issue'") else { return nil }
                ref(.repo, repo, v)
                return .issue(repo: repo, subject: "")
            }
            guard let f = r.fields(v, "'issue'", known: ["repo", "subject"]) else { return nil }
            let repo = repoField(f, "issue")
            var subject = ""
            if let n = f["subject"], let t = r.optionalText(n, "'subject'") { subject = t }
            guard let repo else { return nil }
            return .issue(repo: repo, subject: subject)

        case "delete":
            let items = r.listOrOne(v)
            if items.isEmpty { r.error(v, "'delete' needs at least one step id") }
            var targets: [String] = []
            for item in items {
                guard let t = r.text(item, "a step id in 'delete'") else { continue }
                if targets.contains(t) { r.error(item, "step '\(t)' is listed twice in 'delete'") }
                ref(.step({ target in
                    switch target.action {
                    case .announce, .state: return nil
                    case .pullRequest, .issue:
                        return byCoordinate
                            ? "step '\(t)' publishes \(target.action.keywordWithArticle) event, which has no coordinate; delete it 'by: id'"
                            : nil
                    default:
                        return "'delete' names step '\(t)', \(target.action.keywordWithArticle) step, which publishes no deletable event"
                    }
                }), t, item)
                targets.append(t)
            }
            return .delete(targets: targets, byCoordinate: byCoordinate)

        case "replay":
            guard let t = r.text(v, "a step id in 'replay'") else { return nil }
            ref(.step({ target in
                switch target.action {
                case .announce, .state, .pullRequest, .issue, .delete: return nil
                default: return "'replay' names step '\(t)', \(target.action.keywordWithArticle) step, which publishes no event"
                }
            }), t, v)
            return .replay(target: t)

        case "clone":
            if case .scalar = v {
                guard let repo = r.text(v, "'clone'") else { return nil }
                ref(.repo, repo, v)
                return .clone(repo: repo, owner: nil)
            }
            guard let f = r.fields(v, "'clone'", known: ["repo", "owner"]) else { return nil }
            let repo = repoField(f, "clone")
            let owner = ownerField(f)
            guard let repo else { return nil }
            return .clone(repo: repo, owner: owner)

        case "shutdown", "crash", "restart":
            guard let relay = r.text(v, "'\(e.key)'") else { return nil }
            ref(.relayNode, relay, v)
            switch e.key {
            case "shutdown": return .shutdown(relay: relay)
            case "crash": return .crash(relay: relay)
            default: return .restart(relay: relay)
            }

        case "reconcile":
            let hasUpstream: (RepoSpec) -> String? = { repo in
                repo.upstream == nil
                    ? "step '\(stepID)' reconciles repo '\(repo.name)', which has no 'upstream'; give the repo one, e.g. upstream: { domain: up.example }"
                    : nil
            }
            if case .scalar = v {
                guard let repo = r.text(v, "'reconcile'") else { return nil }
                ref(.repoWhere(hasUpstream), repo, v)
                return .reconcile(repo: repo, relay: nil)
            }
            guard let f = r.fields(v, "'reconcile'", known: ["repo", "relay"]) else { return nil }
            var repo: String?
            if let n = f["repo"] {
                repo = r.text(n, "'repo'")
                if let repo { ref(.repoWhere(hasUpstream), repo, n) }
            } else { r.error(f.location, "missing required key 'repo' in 'reconcile'") }
            var relay: String?
            if let n = f["relay"], let t = r.text(n, "'relay'") { ref(.relayNode, t, n); relay = t }
            guard let repo else { return nil }
            return .reconcile(repo: repo, relay: relay)
        default:
            return nil
        }
    }

    /// `{ refs/heads/main: c2, refs/tags/v1: { commit: c1, annotated: true }, refs/heads/x: null }`
    /// With `allowWildcard`, a name may end in `*` (a prefix pattern: `refs/heads/conflicts/*`).
    func decodeRefMap(_ node: Node, repo: String?, allowDelete: Bool, what: String,
                      allowWildcard: Bool = false) -> [RefSpec] {
        let r = reader
        guard case .mapping(let m) = node else {
            r.error(node, "'refs' must be a mapping of ref: commit, found \(NodeReader.describe(node))")
            return []
        }
        var out: [RefSpec] = []
        for (k, v) in m {
            guard let refName = r.text(k, "a ref name") else { continue }
            if allowWildcard, refName.hasSuffix("*") {
                if let p = Self.refPatternProblem(refName) { r.error(k, p); continue }
            } else if let p = RefName.problem(refName, branchOrTag: true) { r.error(k, p); continue }
            if NodeReader.isNull(v) {
                if allowDelete { out.append(RefSpec(ref: refName, commit: nil)) } else {
                    r.error(v, "\(what) cannot delete a ref: '\(refName)' needs a commit")
                }
                continue
            }
            if case .mapping = v {
                guard let f = r.fields(v, "a ref", known: ["commit", "annotated"]) else { continue }
                guard let cn = f["commit"] else { r.error(f.location, "missing required key 'commit' for ref '\(refName)'"); continue }
                guard let c = r.text(cn, "'commit'") else { continue }
                if let repo { ref(.commit(repo: repo), c, cn) }
                var annotated = false
                if let an = f["annotated"], let b = r.bool(an, "'annotated'") { annotated = b }
                if annotated && !refName.hasPrefix("refs/tags/") {
                    r.error(f.entry("annotated")!.keyNode, "only tags (refs/tags/...) can be annotated, '\(refName)' is a branch")
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

    // MARK: Faults

    static let faultKeys = ["at", "after", "delay", "for"] + FaultKind.keywords

    func decodeFaults(_ node: Node, network: LinkSpec) -> [FaultSpec] {
        let r = reader
        guard let items = r.list(node, "'faults'") else { return [] }
        var out: [FaultSpec] = []
        for item in items {
            guard let f = r.fields(item, "a fault", known: Self.faultKeys) else { continue }
            let timing = decodeTiming(f, "fault", flatIndex: nil)
            var duration: SimDuration?, durationMax: SimDuration?
            if let n = f["for"], let (lo, hi, _) = r.durationRange(n, "'for'") {
                if lo <= 0 { r.error(n, "'for' must be longer than 0 (leave it out to last until healing)") }
                duration = lo
                if hi > lo { durationMax = hi }
            }
            let kinds = f.entries.filter { FaultKind.keywords.contains($0.key) }
            guard let k = kinds.first else {
                r.error(f.location, "a fault needs one kind: \(FaultKind.keywords.joined(separator: ", "))")
                continue
            }
            for extra in kinds.dropFirst() {
                r.error(extra.keyNode, "a fault has exactly one kind, but this one has both '\(k.key)' and '\(extra.key)'")
            }
            guard let kind = decodeFaultKind(k, network: network), let timing else { continue }
            out.append(FaultSpec(kind: kind, timing: timing, duration: duration, durationMax: durationMax, location: r.location(item)))
        }
        return out
    }

    func decodeFaultKind(_ e: Fields.Entry, network: LinkSpec) -> FaultKind? {
        let r = reader
        let v = e.value
        func node(_ n: Node, _ what: String) -> String? {
            guard let t = r.text(n, what) else { return nil }
            ref(.node, t, n)
            return t
        }
        switch e.key {
        case "partition":
            guard let sides = r.list(v, "'partition'") else { return nil }
            guard sides.count == 2 else {
                r.error(v, "'partition' must list exactly two sides, like [[alice], [relay]], found \(sides.count)")
                return nil
            }
            var groups: [[String]] = []
            var seen: [String: Int] = [:]
            for (i, side) in sides.enumerated() {
                let members = r.listOrOne(side)
                if members.isEmpty { r.error(side, "each side of a partition needs at least one node") }
                var g: [String] = []
                for m in members {
                    guard let name = node(m, "a node in 'partition'") else { continue }
                    if let other = seen[name] {
                        r.error(m, other == i ? "node '\(name)' is listed twice on one side"
                                              : "node '\(name)' is on both sides of the partition")
                    }
                    seen[name] = i
                    g.append(name)
                }
                groups.append(g)
            }
            return .partition(groups[0], groups[1])
        case "one_way", "clog":
            guard let f = r.fields(v, "'\(e.key)'", known: ["from", "to"]) else { return nil }
            let (from, to) = decodeEndpoints(f, "'\(e.key)'")
            guard let from, let to else { return nil }
            return e.key == "clog" ? .clog(from: from, to: to) : .oneWay(from: from, to: to)
        case "pause":
            return node(v, "'pause'").map { .pause($0) }
        case "crash":
            return node(v, "'crash'").map { .crash($0) }
        case "link":
            guard let link = decodeLink(v, "'link'", base: network, endpoints: true),
                  let from = link.from, let to = link.to else { return nil }
            return .link(from: from, to: to, link.spec)
        case "skew":
            guard let f = r.fields(v, "'skew'", known: ["node", "by", "drift_ppm"]) else { return nil }
            var name: String?
            if let n = f["node"] { name = node(n, "'node'") } else { r.error(f.location, "missing required key 'node' in 'skew'") }
            var by: SimDuration = 0
            if let n = f["by"] {
                guard let d = r.duration(n, "'by'", allowNegative: true) else { return nil }
                by = d
            }
            var drift: Int64 = 0
            if let n = f["drift_ppm"] {
                guard let d = r.integer(n, "'drift_ppm'") else { return nil }
                if d <= -1_000_000 || d >= 1_000_000 { r.error(n, "'drift_ppm' must be between -999999 and 999999, found \(d)") }
                drift = d
            }
            if f["by"] == nil && f["drift_ppm"] == nil {
                r.error(f.location, "'skew' needs 'by' (a clock offset like -3s) and/or 'drift_ppm'")
            }
            guard let name else { return nil }
            return .skew(name, skew: by, driftPPM: drift)
        default:
            return nil
        }
    }

    func decodeRandomFaults(_ node: Node, scenario s: Scenario) -> RandomFaultSpec? {
        let r = reader
        guard let f = r.fields(node, "'random_faults'", known: ["kinds", "per_hour", "window", "duration"]) else { return nil }
        var kinds: [String] = []
        if let n = f["kinds"], let items = r.list(n, "'kinds'") {
            if items.isEmpty { r.error(n, "'kinds' must list at least one of: \(RandomFaultSpec.knownKinds.joined(separator: ", "))") }
            for item in items {
                guard let k = r.text(item, "a fault kind") else { continue }
                if !RandomFaultSpec.knownKinds.contains(k) {
                    var m = "unknown random fault kind '\(k)'"
                    if let near = Suggest.closest(to: k, among: RandomFaultSpec.knownKinds) { m += "; did you mean '\(near)'?" }
                    else { m += " (known: \(RandomFaultSpec.knownKinds.joined(separator: ", ")))" }
                    r.error(item, m)
                    continue
                }
                if kinds.contains(k) { r.error(item, "fault kind '\(k)' is listed twice") }
                kinds.append(k)
            }
        } else if f["kinds"] == nil {
            r.error(f.location, "missing required key 'kinds' in 'random_faults'")
        }
        var perHour: Double = 0
        if let n = f["per_hour"] {
            if let v = r.number(n, "'per_hour'") {
                if v < 0 { r.error(n, "'per_hour' must not be negative, found \(NodeReader.scalarText(n))") }
                if v > 3600 { r.error(n, "'per_hour' must be at most 3600 (one fault a second), found \(NodeReader.scalarText(n))") }
                perHour = v
            }
        } else { r.error(f.location, "missing required key 'per_hour' in 'random_faults'") }
        var start: SimDuration = 0, end = s.healAt ?? s.duration
        if let n = f["window"], let (lo, hi, _) = r.durationRange(n, "'window'") { start = lo; end = hi }
        var minD = Time.s(1), maxD = Time.min(1)
        if let n = f["duration"], let (lo, hi, _) = r.durationRange(n, "'duration'") {
            if lo <= 0 { r.error(n, "random fault durations must be longer than 0") }
            minD = lo; maxD = hi
        }
        return RandomFaultSpec(kinds: kinds, perHour: perHour, start: start, end: end,
                               minDuration: minD, maxDuration: maxD, location: r.location(node))
    }

    // MARK: Expectations

    func decodeExpectations(_ node: Node) -> [Expectation] {
        let r = reader
        guard let items = r.list(node, "'expect'") else { return [] }
        var out: [Expectation] = []
        for item in items {
            guard let f = r.fields(item, "an expectation", known: ExpectationKind.keywords) else { continue }
            guard let e = f.entries.first else {
                r.error(f.location, "an expectation needs one of: \(ExpectationKind.keywords.joined(separator: ", "))")
                continue
            }
            for extra in f.entries.dropFirst() {
                r.error(extra.keyNode, "each expectation is its own list item; start '\(extra.key)' on a new '- ' line")
            }
            if let kind = decodeExpectation(e) { out.append(Expectation(kind: kind, location: r.location(item))) }
        }
        return out
    }

    func decodeExpectation(_ e: Fields.Entry) -> ExpectationKind? {
        let r = reader
        let v = e.value
        let publishes: (StepSpec) -> String? = { t in
            t.action.publishesEvent ? nil
                : "'\(e.key)' is about a published event, but step '\(t.id)' is \(t.action.keywordWithArticle) step"
        }
        let purgatory: (StepSpec) -> String? = { t in
            switch t.action {
            case .announce, .state, .pullRequest: return nil
            default: return "'expired' is about an announcement, state or pull request, but step '\(t.id)' is \(t.action.keywordWithArticle) step"
            }
        }
        let attempts: (StepSpec) -> String? = { t in
            switch t.action {
            case .clone, .shutdown, .crash, .restart, .reconcile:
                return "'\(e.key)' is about a push or a publish, but step '\(t.id)' is \(t.action.keywordWithArticle) step"
            default: return nil
            }
        }
        /// `key: step` or `key: { step: x, <extra> }`.
        func stepTarget(_ extra: [String], _ check: @escaping (StepSpec) -> String?) -> (String, Fields?)? {
            if case .scalar = v {
                guard let id = r.text(v, "'\(e.key)'") else { return nil }
                ref(.step(check), id, v)
                return (id, nil)
            }
            guard let f = r.fields(v, "'\(e.key)'", known: ["step"] + extra) else { return nil }
            guard let n = f["step"] else { r.error(f.location, "missing required key 'step' in '\(e.key)'"); return nil }
            guard let id = r.text(n, "'step'") else { return nil }
            ref(.step(check), id, n)
            return (id, f)
        }
        func repoTarget(_ extra: [String], allowShorthand: Bool) -> (String, String?, Fields?)? {
            if allowShorthand, case .scalar = v {
                guard let repo = r.text(v, "'\(e.key)'") else { return nil }
                ref(.repo, repo, v)
                return (repo, nil, nil)
            }
            guard let f = r.fields(v, "'\(e.key)'", known: ["repo", "owner"] + extra) else { return nil }
            guard let n = f["repo"] else { r.error(f.location, "missing required key 'repo' in '\(e.key)'"); return nil }
            guard let repo = r.text(n, "'repo'") else { return nil }
            ref(.repo, repo, n)
            var owner: String?
            if let o = f["owner"], let t = r.text(o, "'owner'") { ref(.actor, t, o); owner = t }
            return (repo, owner, f)
        }
        switch e.key {
        case "served":
            guard let (id, f) = stepTarget(["by"], publishes) else { return nil }
            var by: SimDuration?
            if let n = f?["by"] { by = r.duration(n, "'by'") }
            return .served(step: id, by: by)
        case "not_served":
            guard let (id, _) = stepTarget([], publishes) else { return nil }
            return .notServed(step: id)
        case "accepted":
            guard let (id, _) = stepTarget([], attempts) else { return nil }
            return .accepted(step: id)
        case "rejected":
            guard let (id, f) = stepTarget(["reason"], attempts) else { return nil }
            var reason: String?
            if let n = f?["reason"] { reason = r.text(n, "'reason'") }
            return .rejected(step: id, reason: reason)
        case "expired":
            guard let (id, f) = stepTarget(["between"], purgatory) else { return nil }
            var lo: SimDuration?, hi: SimDuration?
            if let n = f?["between"], let (l, h, _) = r.durationRange(n, "'between'") { lo = l; hi = h }
            return .expired(step: id, lo: lo, hi: hi)
        case "refs":
            guard let (repo, owner, f) = repoTarget(["equals"], allowShorthand: false), let f else { return nil }
            guard let n = f["equals"] else {
                r.error(f.location, "missing required key 'equals' in 'refs' (the exact refs expected; {} for none)")
                return nil
            }
            let refs = decodeRefMap(n, repo: repo, allowDelete: false, what: "an expected ref list")
            return .refs(repo: repo, owner: owner, refs: refs)
        case "head":
            guard let (repo, owner, f) = repoTarget(["equals"], allowShorthand: false), let f else { return nil }
            guard let n = f["equals"] else { r.error(f.location, "missing required key 'equals' in 'head'"); return nil }
            guard let h = r.text(n, "'equals'") else { return nil }
            if !h.hasPrefix("refs/heads/") {
                r.error(n, "'head' must be a branch ref (refs/heads/...), found '\(h)'")
            } else if let p = RefName.problem(h, branchOrTag: true) { r.error(n, p) }
            return .head(repo: repo, owner: owner, ref: h)
        case "repo_absent":
            guard let (repo, owner, _) = repoTarget([], allowShorthand: true) else { return nil }
            return .repoAbsent(repo: repo, owner: owner)
        case "reconciled":
            guard let f = r.fields(v, "'reconciled'", known: ["repo", "outcome"]) else { return nil }
            var repo: String?
            if let n = f["repo"] {
                repo = r.text(n, "'repo'")
                if let repo {
                    ref(.repoWhere({ spec in
                        spec.upstream == nil
                            ? "'reconciled' is about reconciliation with an upstream, but repo '\(spec.name)' has no 'upstream'"
                            : nil
                    }), repo, n)
                }
            } else { r.error(f.location, "missing required key 'repo' in 'reconciled'") }
            var outcome: String?
            if let n = f["outcome"] {
                if let o = r.text(n, "'outcome'") {
                    if Self.reconcileOutcomes.contains(o) {
                        outcome = o
                    } else {
                        var m = "unknown reconciliation outcome '\(o)'"
                        if let near = Suggest.closest(to: o, among: Self.reconcileOutcomes) { m += "; did you mean '\(near)'?" }
                        else { m += " (outcomes: \(Self.reconcileOutcomes.joined(separator: ", ")))" }
                        r.error(n, m)
                    }
                }
            } else {
                r.error(f.location, "missing required key 'outcome' in 'reconciled' (one of: \(Self.reconcileOutcomes.joined(separator: ", ")))")
            }
            guard let repo, let outcome else { return nil }
            return .reconciled(repo: repo, outcome: outcome)
        case "remote_refs":
            guard let f = r.fields(v, "'remote_refs'", known: ["domain", "repo", "equals"]) else { return nil }
            var domain: String?
            if let n = f["domain"] {
                domain = r.text(n, "'domain'")
                if let domain { ref(.remote, domain, n) }
            } else { r.error(f.location, "missing required key 'domain' in 'remote_refs' (the domain of a 'remotes' entry)") }
            var repo: String?
            if let n = f["repo"] {
                repo = r.text(n, "'repo'")
                if let repo { ref(.repo, repo, n) }
            } else { r.error(f.location, "missing required key 'repo' in 'remote_refs'") }
            guard let n = f["equals"] else {
                r.error(f.location, "missing required key 'equals' in 'remote_refs' (the exact refs expected; {} for none)")
                return nil
            }
            let refs = decodeRefMap(n, repo: repo, allowDelete: false, what: "an expected ref list", allowWildcard: true)
            guard let domain, let repo else { return nil }
            return .remoteRefs(domain: domain, repo: repo, refs: refs)
        case "sync_fetches":
            guard let f = r.fields(v, "'sync_fetches'", known: ["repo", "min", "max"]) else { return nil }
            var repo: String?
            if let n = f["repo"] {
                repo = r.text(n, "'repo'")
                if let repo { ref(.repo, repo, n) }
            } else { r.error(f.location, "missing required key 'repo' in 'sync_fetches'") }
            func count(_ key: String) -> Int? {
                guard let n = f[key], let c = r.integer(n, "'\(key)'") else { return nil }
                if c < 0 { r.error(n, "'\(key)' must not be negative, found \(c)"); return nil }
                return Int(clamping: c)
            }
            let lo = count("min"), hi = count("max")
            if !f.has("min") && !f.has("max") {
                r.error(f.location, "'sync_fetches' needs 'min' and/or 'max' (bounds on the number of sync fetches)")
            }
            if let lo, let hi, lo > hi, let n = f["max"] {
                r.error(n, "'max' (\(hi)) is less than 'min' (\(lo))")
            }
            guard let repo else { return nil }
            return .syncFetches(repo: repo, min: lo, max: hi)
        default:
            return nil
        }
    }

    /// What `reconciled:` accepts (the reconciler's outcome names, docs/sync.md).
    static let reconcileOutcomes = ["in-sync", "fast-forwarded", "pushed-ahead", "rebased", "conflict-escaped", "fetch-failed"]

    // MARK: Validation across the file

    func checkNames(_ s: Scenario) {
        let r = reader
        var relays: [String: SourceLocation] = [:]
        var domains: [String: SourceLocation] = [:]
        for relay in s.relays {
            if let first = relays[relay.name] {
                r.error(relay.location, "relay '\(relay.name)' is defined twice (first at line \(first.line))")
            } else { relays[relay.name] = relay.location }
            if let first = domains[relay.domain] {
                r.error(relay.location, "relay '\(relay.name)' uses domain '\(relay.domain)', which the relay at line \(first.line) already uses")
            } else { domains[relay.domain] = relay.location }
        }
        var remotes: [String: SourceLocation] = [:]
        for remote in s.remotes {
            if let first = remotes[remote.domain] {
                r.error(remote.location, "remote '\(remote.domain)' is defined twice (first at line \(first.line))")
                continue
            }
            remotes[remote.domain] = remote.location
            if let relay = s.relays.first(where: { $0.domain == remote.domain }) {
                r.error(remote.location, "remote '\(remote.domain)' has the domain of relay '\(relay.name)'; a remote is a git server on another domain")
            }
        }
        var actors: [String: SourceLocation] = [:]
        for actor in s.actors {
            if let first = actors[actor.name] {
                r.error(actor.location, "actor '\(actor.name)' is defined twice (first at line \(first.line))")
            } else if relays[actor.name] != nil {
                r.error(actor.location, "actor '\(actor.name)' has the same name as a relay; fault node names must be unambiguous")
            }
            actors[actor.name] = actors[actor.name] ?? actor.location
        }
        var repos: [String: SourceLocation] = [:]
        for repo in s.repos {
            if let first = repos[repo.name] {
                r.error(repo.location, "repo '\(repo.name)' is defined twice (first at line \(first.line))")
            } else { repos[repo.name] = repo.location }
        }
        var steps: [String: SourceLocation] = [:]
        for (i, step) in s.steps.enumerated() {
            let loc = i < stepIDLocations.count ? stepIDLocations[i] : step.location
            if let first = steps[step.id] {
                r.error(loc, "duplicate step id '\(step.id)' (first used at line \(first.line))")
            } else { steps[step.id] = loc }
        }
    }

    func checkReferences(_ s: Scenario) {
        let r = reader
        let actorNames = s.actors.map(\.name)
        let relayNames = s.relays.map(\.name)
        let repoNames = s.repos.map(\.name)
        let remoteDomains = s.remotes.map(\.domain)
        let stepIDs = s.steps.map(\.id)
        var stepByID: [String: StepSpec] = [:]
        for step in s.steps where stepByID[step.id] == nil { stepByID[step.id] = step }
        var reposByName: [String: RepoSpec] = [:]
        for repo in s.repos where reposByName[repo.name] == nil { reposByName[repo.name] = repo }

        func unknown(_ what: String, _ name: String, _ candidates: [String], _ loc: SourceLocation,
                     hint: String = "", scope: String = "") {
            var m = "unknown \(what) '\(name)'\(scope)"
            if let near = Suggest.closest(to: name, among: candidates) {
                m += "; did you mean '\(near)'?"
            } else if candidates.isEmpty {
                m += hint.isEmpty ? " (none are defined)" : " (\(hint))"
            } else if candidates.count <= 12 {
                m += " (defined: \(candidates.joined(separator: ", ")))"
            }
            r.error(loc, m)
        }

        for p in refs {
            switch p.kind {
            case .actor:
                if !actorNames.contains(p.name) { unknown("actor", p.name, actorNames, p.location, hint: "list actors under 'actors'") }
            case .relay:
                if !relayNames.contains(p.name) { unknown("relay", p.name, relayNames, p.location) }
            case .repo:
                if !repoNames.contains(p.name) { unknown("repo", p.name, repoNames, p.location, hint: "define repos under 'repos'") }
            case .repoWhere(let check):
                guard let spec = reposByName[p.name] else {
                    unknown("repo", p.name, repoNames, p.location, hint: "define repos under 'repos'"); continue
                }
                if let problem = check(spec) { r.error(p.location, problem) }
            case .remote:
                if remoteDomains.contains(p.name) { continue }
                if let relay = s.relays.first(where: { $0.domain == p.name }) {
                    r.error(p.location, "'\(p.name)' is the domain of relay '\(relay.name)', not of a remote; name a 'remotes' entry")
                } else {
                    unknown("remote", p.name, remoteDomains, p.location, hint: "define remotes under 'remotes'")
                }
            case .cloneDomain:
                let relayDomains = s.relays.map(\.domain)
                if remoteDomains.contains(p.name) || relayDomains.contains(p.name) { continue }
                var m = "unknown domain '\(p.name)' in 'clone'"
                if let near = Suggest.closest(to: p.name, among: remoteDomains + relayDomains) {
                    m += "; did you mean '\(near)'?"
                } else {
                    m += " (remotes: \(remoteDomains.isEmpty ? "none" : remoteDomains.joined(separator: ", "))"
                        + "; relay domains: \(relayDomains.joined(separator: ", ")))"
                }
                r.error(p.location, m)
            case .commit(let repo):
                guard let spec = reposByName[repo] else { continue }  // the unknown repo is reported already
                let names = spec.commits.map(\.name)
                if !names.contains(p.name) { unknown("commit", p.name, names, p.location, scope: " in repo '\(repo)'") }
            case .step(let check):
                guard let target = stepByID[p.name] else { unknown("step", p.name, stepIDs, p.location); continue }
                if let check, let problem = check(target) { r.error(p.location, problem) }
            case .node, .relayNode:
                let relaysOnly: Bool = { if case .relayNode = p.kind { return true } else { return false } }()
                if let hash = p.name.firstIndex(of: "#") {
                    let base = String(p.name[..<hash])
                    let index = String(p.name[p.name.index(after: hash)...])
                    guard let relay = s.relays.first(where: { $0.name == base }) else {
                        unknown("relay", base, relayNames, p.location); continue
                    }
                    guard let k = Int(index), k >= 0 else {
                        r.error(p.location, "'\(p.name)': the replica number after '#' must be a whole number from 0")
                        continue
                    }
                    if k >= relay.replicas {
                        r.error(p.location, "relay '\(base)' has \(relay.replicas) replica\(relay.replicas == 1 ? "" : "s") (numbered from 0), so '\(p.name)' does not exist")
                    }
                } else if relaysOnly {
                    if !relayNames.contains(p.name) { unknown("relay", p.name, relayNames, p.location) }
                } else if p.name == "locks" {
                    // The lock service exists when some relay runs several replicas.
                    if !s.relays.contains(where: { $0.replicas > 1 }) {
                        r.error(p.location, "'locks' (the lock service) exists only when some relay has replicas > 1")
                    }
                } else if !relayNames.contains(p.name) && !actorNames.contains(p.name) {
                    let hasLocks = s.relays.contains(where: { $0.replicas > 1 })
                    unknown("node", p.name, relayNames + actorNames + (hasLocks ? ["locks"] : []), p.location,
                            hint: hasLocks ? "name an actor, a relay, one replica as relay#k, or locks"
                                           : "name an actor, a relay, or one replica as relay#k")
                }
            }
        }
    }

    func checkAfterCycles(_ s: Scenario) {
        var index: [String: Int] = [:]
        for (i, step) in s.steps.enumerated() where index[step.id] == nil { index[step.id] = i }
        func next(_ i: Int) -> Int? {
            if case .after(let target, _, _) = s.steps[i].timing { return index[target] }
            return nil
        }
        // 0 = unvisited, 1 = on the current path, 2 = done.
        var state = Array(repeating: 0, count: s.steps.count)
        for start in s.steps.indices where state[start] == 0 {
            var path: [Int] = []
            var cur: Int? = start
            while let c = cur, state[c] == 0 {
                state[c] = 1
                path.append(c)
                cur = next(c)
            }
            if let c = cur, state[c] == 1, let at = path.firstIndex(of: c) {
                var cycle = Array(path[at...])
                // Start (and report) at the step that comes first in the file.
                let first = cycle.min()!
                let k = cycle.firstIndex(of: first)!
                cycle = Array(cycle[k...] + cycle[..<k])
                let names = (cycle + [first]).map { s.steps[$0].id }.joined(separator: " → ")
                let loc = afterLocations[first] ?? s.steps[first].location
                reader.error(loc, cycle.count == 1
                    ? "step '\(s.steps[c].id)' comes after itself"
                    : "'after' dependencies form a cycle: \(names)")
            }
            for p in path { state[p] = 2 }
        }
    }
}
