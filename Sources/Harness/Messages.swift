import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel

/// Client → relay: one NIP-01 frame on the client's websocket.
struct NostrFrame: SimMessage {
    var message: ClientMessage
    var source: EventOrigin
    var traceLabel: String {
        switch message {
        case .event(let e): return "EVENT \(e.kind) \(e.id.prefix(8))"
        case .req(let sub, _): return "REQ \(sub)"
        case .close(let sub): return "CLOSE \(sub)"
        }
    }
    func writeTraceLabel(_ out: inout TraceText) {
        guard case .event(let e) = message else { return out.write(traceLabel) }
        out.write("EVENT ")
        out.write(e.kind)
        out.write(" ")
        out.write(e.id.prefix(8))
    }
}

/// Relay → client: one NIP-01 frame.
struct RelayFrame: SimMessage {
    var message: RelayMessage
    var traceLabel: String {
        switch message {
        case .ok(let id, let accepted, let msg): return "OK \(id.prefix(8)) \(accepted) \(msg)"
        case .event(let sub, let e): return "EVENT \(sub) \(e.id.prefix(8))"
        case .eose(let sub): return "EOSE \(sub)"
        case .closed(let sub, let msg): return "CLOSED \(sub) \(msg)"
        case .notice(let msg): return "NOTICE \(msg)"
        }
    }
    func writeTraceLabel(_ out: inout TraceText) {
        guard case .ok(let id, let accepted, let msg) = message else { return out.write(traceLabel) }
        out.write("OK ")
        out.write(id.prefix(8))
        out.write(accepted ? " true " : " false ")
        out.write(msg)
    }
}

/// Client → git host: one smart-HTTP request.
struct GitRequest: SimMessage {
    var id: Int
    var path: String
    var body: GitRequestBody
    var traceLabel: String {
        switch body {
        case .advertise: return "GET info/refs \(path)"
        case .push(let u, let p):
            return
                "POST receive-pack \(path) \(u.map { "\($0.name)=\($0.new.hex.prefix(7))" }.joined(separator: ",")) \(p.objects.count) objects"
        case .fetch(let w, _): return "POST upload-pack \(path) \(w.count) wants"
        case .proposePush(let u): return "pre-receive \(path) \(u.count) refs"
        case .pushApplied(let u): return "post-receive \(path) \(u.count) refs"
        }
    }
}

/// Git host → client.
struct GitResponse: SimMessage {
    var id: Int
    var reply: GitReply
    var traceLabel: String {
        switch reply {
        case .advertisement(let a): return "advertisement \(a.refs.count) refs head=\(a.head ?? "-")"
        case .pushResult(let r): return r.allSatisfy(\.ok) ? "push ok" : "push ng \(r.first { !$0.ok }?.error ?? "")"
        case .pack(let p): return "pack \(p.objects.count) objects"
        case .nip11: return "nip11"
        case .httpError(let s, _, let m): return "HTTP \(s) \(m)"
        }
    }
}
