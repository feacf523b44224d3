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
                errors += e.errors
                continue
            } catch { continue }
            let result = decode(yaml: yaml, file: file)
            errors += result.errors
            guard let s = result.scenario, result.errors.isEmpty else { continue }
            if let other = firstByName[s.name] {
                errors.append(
                    ScenarioError(
                        result.nameLocation ?? SourceLocation(file: file, line: 1, column: 1),
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
                errors.append(
                    ScenarioError(SourceLocation(file: path, line: 1, column: 1), "no such file or directory"))
                continue
            }
            if !isDir.boolValue {
                add(path)
                continue
            }
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
    static func decode(yaml: String, file: String) -> (
        scenario: Scenario?, errors: [ScenarioError], nameLocation: SourceLocation?
    ) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml, .default, .default, .utf8)
        } catch let e as YamlError {
            return (nil, [syntaxError(e, yaml: yaml, file: file)], nil)
        } catch {
            return (nil, [ScenarioError(SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")], nil)
        }
        guard let root else {
            return (
                nil,
                [
                    ScenarioError(
                        SourceLocation(file: file, line: 1, column: 1),
                        "the file is empty; a scenario needs at least a 'name'")
                ], nil
            )
        }
        let decoder = ScenarioDecoder(file: file)
        let scenario = decoder.decode(root)
        return (scenario, decoder.reader.errors.sorted(by: ScenarioError.inFileOrder), decoder.nameLocation)
    }

    static func syntaxError(_ e: YamlError, yaml: String, file: String) -> ScenarioError {
        func loc(_ m: Mark) -> SourceLocation {
            SourceLocation(file: file, line: max(1, m.line), column: max(1, m.column))
        }
        func withContext(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let c = context else { return "invalid YAML: \(problem)" }
            return "invalid YAML: \(problem) (\(c.text) at line \(c.mark.line), column \(c.mark.column))"
        }
        switch e {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return ScenarioError(loc(mark), withContext(problem, context))
        case .reader(let problem, let offset, _, _):
            var line = 1
            var column = 1
            if let offset {
                for b in yaml.utf8.prefix(offset) {
                    if b == UInt8(ascii: "\n") {
                        line += 1
                        column = 1
                    } else if b & 0xC0 != 0x80 {
                        column += 1
                    }
                }
            }
            return ScenarioError(SourceLocation(file: file, line: line, column: column), "invalid text: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ScenarioError(loc(context.mark), "key \(keys) appears more than once in the same mapping")
        default:
            return ScenarioError(SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(e)")
        }
    }
}
