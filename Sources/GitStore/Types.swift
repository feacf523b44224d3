// GitStore value types: object ids, raw objects, signatures, tree entries, packs, errors.
import CGit2

/// A SHA-1 git object id, kept as 40 lowercase hex characters.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let hex: String

    /// Validates length (40) and charset (hex digits); uppercase is lowercased.
    public init?(hex: String) {
        var bytes = Array(hex.utf8)
        guard bytes.count == 40 else { return nil }
        for i in bytes.indices {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): break
            case UInt8(ascii: "A")...UInt8(ascii: "F"): bytes[i] = c + 32
            default: return nil
            }
        }
        self.hex = String(decoding: bytes, as: UTF8.self)
    }

    /// 40 zeros: "no object" in ref updates.
    public static let zero = ObjectID(hex: String(repeating: "0", count: 40))!

    public var isZero: Bool { self == ObjectID.zero }
    public var description: String { hex }
    public static func < (a: ObjectID, b: ObjectID) -> Bool { a.hex < b.hex }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    init(oid: git_oid) {
        // Straight into the string's storage (reachability walks make one per object).
        self.hex = withUnsafeBytes(of: oid.id) { raw in
            String(unsafeUninitializedCapacity: 40) { out in
                for i in 0..<20 {
                    out[2 * i] = ObjectID.digits[Int(raw[i] >> 4)]
                    out[2 * i + 1] = ObjectID.digits[Int(raw[i] & 0xf)]
                }
                return 40
            }
        }
    }

    init(oid: UnsafePointer<git_oid>) { self.init(oid: oid.pointee) }

    /// The 20 raw bytes.
    public var bytes: [UInt8] {
        let h = Array(hex.utf8)
        func nibble(_ c: UInt8) -> UInt8 { c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : c - UInt8(ascii: "a") + 10 }
        return (0..<20).map { nibble(h[2 * $0]) << 4 | nibble(h[2 * $0 + 1]) }
    }

    var oid: git_oid {
        func nibble(_ c: UInt8) -> UInt8 { c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : c - UInt8(ascii: "a") + 10 }
        var o = git_oid()
        var text = hex
        text.withUTF8 { h in
            withUnsafeMutableBytes(of: &o.id) { raw in
                for i in 0..<20 { raw[i] = nibble(h[2 * i]) << 4 | nibble(h[2 * i + 1]) }
            }
        }
        return o
    }
}

public enum ObjectType: String, Sendable {
    case commit, tree, blob, tag

    var git: git_object_t {
        switch self {
        case .commit: return GIT_OBJECT_COMMIT
        case .tree: return GIT_OBJECT_TREE
        case .blob: return GIT_OBJECT_BLOB
        case .tag: return GIT_OBJECT_TAG
        }
    }

    init?(_ t: git_object_t) {
        switch t {
        case GIT_OBJECT_COMMIT: self = .commit
        case GIT_OBJECT_TREE: self = .tree
        case GIT_OBJECT_BLOB: self = .blob
        case GIT_OBJECT_TAG: self = .tag
        default: return nil
        }
    }
}

/// An object as stored: its id, type and uncompressed body (no "type size\0" header).
public struct RawObject: Sendable, Hashable {
    public var id: ObjectID
    public var type: ObjectType
    public var data: [UInt8]
    public init(id: ObjectID, type: ObjectType, data: [UInt8]) {
        self.id = id
        self.type = type
        self.data = data
    }
}

/// Author / committer / tagger identity with a fixed timestamp.
public struct Signature: Sendable, Hashable {
    public var name: String
    public var email: String
    /// Unix seconds.
    public var time: Int64
    /// Offset from UTC in minutes (e.g. 120 for +0200).
    public var offsetMinutes: Int

    public init(name: String, email: String, time: Int64, offsetMinutes: Int = 0) {
        self.name = name
        self.email = email
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    /// `Name <email> time +HHMM` as it appears in commit and tag headers.
    func formatted() throws -> String {
        for (field, value) in [("name", name), ("email", email)] {
            if value.contains(where: { $0 == "<" || $0 == ">" || $0 == "\n" || $0 == "\0" }) {
                throw GitStoreError.invalidObject("signature \(field) contains '<', '>', newline or NUL: \(value)")
            }
        }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let m = abs(offsetMinutes)
        let hh = m / 60
        let mm = m % 60
        guard hh < 100 else { throw GitStoreError.invalidObject("timezone offset out of range: \(offsetMinutes)") }
        let tz = sign + (hh < 10 ? "0" : "") + String(hh) + (mm < 10 ? "0" : "") + String(mm)
        return "\(name) <\(email)> \(time) \(tz)"
    }
}

public struct TreeEntry: Sendable, Hashable {
    public enum Mode: Sendable {
        case file, executable, directory

        /// Mode string as written in tree objects.
        var octal: String {
            switch self {
            case .file: return "100644"
            case .executable: return "100755"
            case .directory: return "40000"
            }
        }
    }
    public var name: String
    public var id: ObjectID
    public var mode: Mode
    public init(name: String, id: ObjectID, mode: Mode) {
        self.name = name
        self.id = id
        self.mode = mode
    }
}

/// What a push or fetch carries.
public struct Pack: Sendable {
    public var objects: [RawObject]
    /// Sum of the objects' data sizes.
    public var byteCount: Int
    public init(objects: [RawObject]) {
        self.objects = objects
        self.byteCount = objects.reduce(0) { $0 + $1.data.count }
    }
    public init(objects: [RawObject], byteCount: Int) {
        self.objects = objects
        self.byteCount = byteCount
    }
}

public enum GitStoreError: Error, CustomStringConvertible, Equatable {
    /// A libgit2 call failed (negative return code) with libgit2's last error message.
    case libgit2(code: Int32, message: String)
    case objectNotFound(ObjectID)
    case invalidRefName(String)
    /// Malformed input for an object, or data that does not hash to its claimed id.
    case invalidObject(String)
    /// The object exists but has another type than the operation needs.
    case wrongObjectType(ObjectID, expected: ObjectType)

    public var description: String {
        switch self {
        case .libgit2(let code, let message): return "libgit2 error \(code): \(message)"
        case .objectNotFound(let id): return "object not found: \(id.hex)"
        case .invalidRefName(let name): return "invalid ref name: \(name)"
        case .invalidObject(let why): return "invalid object: \(why)"
        case .wrongObjectType(let id, let expected): return "object \(id.hex) is not a \(expected.rawValue)"
        }
    }

    static func last(_ code: Int32) -> GitStoreError {
        let message: String
        if let e = git_error_last(), let m = e.pointee.message {
            message = String(cString: m)
        } else {
            message = "unknown error"
        }
        return .libgit2(code: code, message: message)
    }
}

@inline(__always)
func check(_ code: Int32) throws {
    if code < 0 { throw GitStoreError.last(code) }
}

let gitNotFound = GIT_ENOTFOUND.rawValue

/// Process-wide libgit2 initialisation, run exactly once (Swift static lets are lazy and thread-safe).
enum LibGit2 {
    static let ready: Void = {
        git_libgit2_init()
        _ = graspsim_git_set_strict_object_creation(0)
        _ = graspsim_git_isolate_config()
        _ = graspsim_git_set_owner_validation(0)
    }()
}
