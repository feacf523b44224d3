import CSecp256k1
import Crypto

/// Why a key (hex, nsec, npub, raw bytes) was rejected.
public enum KeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The string is not hex.
    case badHex
    /// The key has the wrong number of bytes.
    case wrongLength(expected: Int, got: Int)
    /// A secret key outside 1..<n, or a public key that is not a valid x coordinate.
    case invalidKey
    /// A bech32 key with the wrong human-readable part (e.g. an nsec where an npub was expected).
    case wrongHRP(expected: String, got: String)
    /// The bech32 string itself is malformed.
    case bech32(Bech32Error)

    public var description: String {
        switch self {
        case .badHex: return "key is not hex"
        case .wrongLength(let e, let g): return "key has \(g) bytes, expected \(e)"
        case .invalidKey: return "key is not a valid secp256k1 key"
        case .wrongHRP(let e, let g): return "expected a '\(e)' key, got '\(g)'"
        case .bech32(let b): return b.description
        }
    }
}

/// A secp256k1 secret key: 32 bytes, checked to be in range (1..<n).
public struct SecretKey: Hashable, Sendable {
    /// The 32 secret bytes.
    public let bytes: [UInt8]

    /// Validates `bytes` with `secp256k1_ec_seckey_verify`.
    public init(bytes: [UInt8]) throws(KeyError) {
        guard bytes.count == 32 else { throw .wrongLength(expected: 32, got: bytes.count) }
        let ok = bytes.withUnsafeBufferPointer {
            secp256k1_ec_seckey_verify(Secp256k1Context.shared.pointer, $0.baseAddress!)
        }
        guard ok == 1 else { throw .invalidKey }
        self.bytes = bytes
    }

    /// Parses 64 hex characters (either case).
    public init(hex: String) throws(KeyError) {
        guard let b = Hex.decode(hex) else { throw .badHex }
        try self.init(bytes: b)
    }

    /// Lowercase hex of the secret.
    public var hex: String { Hex.encode(bytes) }
}

/// A secret key with its BIP-340 x-only public key.
public struct KeyPair: Hashable, Sendable, CustomStringConvertible {
    public let secretKey: SecretKey
    /// The 32-byte x-only public key.
    public let publicKeyBytes: [UInt8]
    /// The x-only public key as lowercase hex (the `pubkey` of events this key signs).
    public let publicKey: String
    /// libsecp256k1's opaque keypair (96 bytes), kept so signing skips the point multiplication.
    let keypairData: [UInt8]

    public init(secretKey: SecretKey) {
        let ctx = Secp256k1Context.shared.pointer
        var kp = secp256k1_keypair()
        let created = secretKey.bytes.withUnsafeBufferPointer {
            secp256k1_keypair_create(ctx, &kp, $0.baseAddress!)
        }
        precondition(created == 1, "secp256k1_keypair_create failed on a verified secret key")
        var xonly = secp256k1_xonly_pubkey()
        var parity: Int32 = 0
        precondition(secp256k1_keypair_xonly_pub(ctx, &xonly, &parity, &kp) == 1)
        var pub = [UInt8](repeating: 0, count: 32)
        precondition(
            pub.withUnsafeMutableBufferPointer {
                secp256k1_xonly_pubkey_serialize(ctx, $0.baseAddress!, &xonly)
            } == 1)
        self.secretKey = secretKey
        self.publicKeyBytes = pub
        self.publicKey = Hex.encode(pub)
        self.keypairData = withUnsafeBytes(of: &kp) { Array($0) }
    }

    /// A key pair from a 64-character hex secret.
    public init(secretHex: String) throws(KeyError) {
        self.init(secretKey: try SecretKey(hex: secretHex))
    }

    /// A key pair from a NIP-19 `nsec1…` string.
    public init(nsec: String) throws(KeyError) {
        self.init(secretKey: try SecretKey(bytes: NIP19.decode(nsec, expectedHRP: "nsec")))
    }

    /// A key pair derived from a name, for simulation actors: the secret is
    /// SHA-256 of `"graspsim/nostr-key/v1\0<salt>\0<counter>\0<name>"` with counter 0,
    /// counting up in the (astronomically unlikely) case the hash is not a valid secret.
    public static func deterministic(name: String, salt: UInt64) -> KeyPair {
        let key = DerivedKeys.Name(utf8: Array(name.utf8), salt: salt)
        if let known = DerivedKeys.shared.value(for: key) { return known }
        let pair = derive(name: name, salt: salt)
        DerivedKeys.shared.remember(pair, for: key)
        return pair
    }

    static func derive(name: String, salt: UInt64) -> KeyPair {
        var counter: UInt64 = 0
        while true {
            let material = Array("graspsim/nostr-key/v1\u{0}\(salt)\u{0}\(counter)\u{0}\(name)".utf8)
            let digest = Array(SHA256.hash(data: material))
            if let sk = try? SecretKey(bytes: digest) { return KeyPair(secretKey: sk) }
            counter += 1
        }
    }

    /// NIP-19 `npub1…` of the public key.
    public var npub: String { Bech32.encode(hrp: "npub", data: publicKeyBytes) }
    /// NIP-19 `nsec1…` of the secret key.
    public var nsec: String { Bech32.encode(hrp: "nsec", data: secretKey.bytes) }

    /// Shows only the public key (secrets stay out of logs and traces).
    public var description: String { "KeyPair(\(publicKey))" }

    public static func == (a: KeyPair, b: KeyPair) -> Bool { a.secretKey == b.secretKey }
    public func hash(into h: inout Hasher) { h.combine(secretKey) }

    func secpKeypair() -> secp256k1_keypair {
        var kp = secp256k1_keypair()
        withUnsafeMutableBytes(of: &kp) { dst in
            keypairData.withUnsafeBytes { src in dst.copyMemory(from: src) }
        }
        return kp
    }
}

/// Public key helpers (x-only, 32 bytes, lowercase hex in events).
public enum PublicKey {
    /// True when `hex` is 64 lowercase hex characters naming a valid x-only public key.
    public static func isValid(hex: String) -> Bool {
        guard Hex.isLowercaseHex(hex, length: 64), let b = Hex.decode(hex) else { return false }
        return Schnorr.isValidXOnlyPublicKey(b)
    }

    /// The `npub1…` for a hex public key (either case accepted, must be a valid key).
    public static func npub(fromHex hex: String) throws(KeyError) -> String {
        guard let b = Hex.decode(hex) else { throw .badHex }
        guard b.count == 32 else { throw .wrongLength(expected: 32, got: b.count) }
        guard Schnorr.isValidXOnlyPublicKey(b) else { throw .invalidKey }
        return Bech32.encode(hrp: "npub", data: b)
    }

    /// The lowercase hex public key of an `npub1…` (checksum, hrp, length and curve checked).
    public static func hex(fromNpub npub: String) throws(KeyError) -> String {
        let b = try NIP19.decode(npub, expectedHRP: "npub")
        guard Schnorr.isValidXOnlyPublicKey(b) else { throw .invalidKey }
        return Hex.encode(b)
    }
}

/// NIP-19 bare keys (`npub`, `nsec`).
public enum NIP19 {
    /// Decodes a bech32 string that must carry `expectedHRP` and exactly 32 bytes.
    public static func decode(_ s: String, expectedHRP: String) throws(KeyError) -> [UInt8] {
        let decoded: (hrp: String, data: [UInt8])
        do throws(Bech32Error) { decoded = try Bech32.decode(s) } catch { throw .bech32(error) }
        guard decoded.hrp == expectedHRP else { throw .wrongHRP(expected: expectedHRP, got: decoded.hrp) }
        guard decoded.data.count == 32 else { throw .wrongLength(expected: 32, got: decoded.data.count) }
        return decoded.data
    }

    /// `npub1…` for 32 public-key bytes.
    public static func npub(_ publicKey32: [UInt8]) -> String { Bech32.encode(hrp: "npub", data: publicKey32) }
    /// `nsec1…` for a secret key.
    public static func nsec(_ secretKey: SecretKey) -> String { Bech32.encode(hrp: "nsec", data: secretKey.bytes) }
}
