import CSecp256k1

/// The one libsecp256k1 context. Created once (thread-safe lazy static), never mutated
/// afterwards, so concurrent sign/verify calls are safe. It is deliberately NOT
/// randomized: blinding would draw system randomness and break determinism.
final class Secp256k1Context: @unchecked Sendable {
    let pointer: OpaquePointer

    private init() {
        let flags = UInt32(SECP256K1_CONTEXT_SIGN) | UInt32(SECP256K1_CONTEXT_VERIFY)
        guard let ctx = secp256k1_context_create(flags) else {
            fatalError("secp256k1_context_create failed")
        }
        pointer = ctx
    }

    static let shared = Secp256k1Context()
}

/// BIP-340 Schnorr signatures over secp256k1 (libsecp256k1).
public enum Schnorr {
    /// Signs a 32-byte message with BIP-340. `auxRand32` is the caller-supplied auxiliary
    /// randomness (32 bytes); the same inputs always give the same signature.
    public static func sign(message32: [UInt8], keyPair: KeyPair, auxRand32: [UInt8]) -> [UInt8] {
        precondition(message32.count == 32, "BIP-340 sign32 needs a 32-byte message")
        precondition(auxRand32.count == 32, "aux randomness must be 32 bytes")
        let ctx = Secp256k1Context.shared.pointer
        var kp = keyPair.secpKeypair()
        var sig = [UInt8](repeating: 0, count: 64)
        let ok = sig.withUnsafeMutableBufferPointer { s in
            message32.withUnsafeBufferPointer { m in
                auxRand32.withUnsafeBufferPointer { a in
                    secp256k1_schnorrsig_sign32(ctx, s.baseAddress!, m.baseAddress!, &kp, a.baseAddress!)
                }
            }
        }
        precondition(ok == 1, "secp256k1_schnorrsig_sign32 failed on a validated key pair")
        return sig
    }

    /// Verifies a BIP-340 signature over a message of any length. Returns false (never
    /// traps) for a signature that is not 64 bytes, a public key that is not 32 bytes or
    /// not a valid x coordinate, or a signature that does not verify.
    public static func verify(signature64: [UInt8], message: [UInt8], xOnlyPublicKey32: [UInt8]) -> Bool {
        guard signature64.count == 64, xOnlyPublicKey32.count == 32 else { return false }
        let ctx = Secp256k1Context.shared.pointer
        var pk = secp256k1_xonly_pubkey()
        let parsed = xOnlyPublicKey32.withUnsafeBufferPointer {
            secp256k1_xonly_pubkey_parse(ctx, &pk, $0.baseAddress!)
        }
        guard parsed == 1 else { return false }
        let ok = signature64.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in
                // A zero-length message may have a nil base address; libsecp256k1
                // accepts NULL when msglen is 0.
                secp256k1_schnorrsig_verify(ctx, s.baseAddress!, m.baseAddress, m.count, &pk)
            }
        }
        return ok == 1
    }

    /// True when `xOnlyPublicKey32` is 32 bytes naming a point on the curve.
    public static func isValidXOnlyPublicKey(_ xOnlyPublicKey32: [UInt8]) -> Bool {
        guard xOnlyPublicKey32.count == 32 else { return false }
        var pk = secp256k1_xonly_pubkey()
        return xOnlyPublicKey32.withUnsafeBufferPointer {
            secp256k1_xonly_pubkey_parse(Secp256k1Context.shared.pointer, &pk, $0.baseAddress!)
        } == 1
    }
}
