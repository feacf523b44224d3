"""An independent Nostr client (rust-nostr's nostr-sdk) talking to `graspsim serve`.

  publish PORT SECRET_HEX KIND TAGS_JSON  -> {"id", "accepted", "message"} (the relay's OK)
  fetch PORT AUTHOR_HEX                   -> [{"id", "kind", "verified"}] (every event served)
  keys                                    -> {"secret", "public"} (a new key pair)
  local-relay                             -> prints nostr-sdk's LocalRelay URL, serves until killed
"""
import asyncio, json, sys
from datetime import timedelta
from nostr_sdk import ClientBuilder, EventBuilder, Filter, Keys, Kind, PublicKey, RelayUrl, ReqTarget, Tag


async def client_for(port):
    client = ClientBuilder().build()
    await client.add_relay(RelayUrl.parse(f"ws://127.0.0.1:{port}"))
    await client.connect(timedelta(seconds=5))
    return client


async def publish(port, secret, kind, tags):
    keys = Keys.parse(secret)
    client = await client_for(port)
    notifications = client.notifications()
    event = EventBuilder(Kind(kind), "").tags([Tag.parse(t) for t in tags]).finalize(keys)
    output = await client.send_event(event)
    accepted, message = len(output.success) > 0, None
    for failure in output.failed.values():
        message = failure
    # The OK frame itself (nostr-sdk reports success without its message).
    for _ in range(50):
        n = await asyncio.wait_for(notifications.next(), 5)
        if n is None or not n.is_message():
            continue
        m = n.message.as_enum()
        if m.is_ok() and m.event_id.to_hex() == event.id().to_hex():
            accepted, message = m.status, m.message
            break
    print(json.dumps({"id": event.id().to_hex(), "accepted": accepted, "message": message}))


async def fetch(port, author):
    client = await client_for(port)
    events = await client.fetch_events(ReqTarget.auto([Filter().author(PublicKey.parse(author))]), timedelta(seconds=5))
    print(json.dumps([{"id": e.id().to_hex(), "kind": e.kind().as_u16(), "verified": e.verify()} for e in events]))


async def local_relay():
    from nostr_sdk import LocalRelayBuilder
    relay = LocalRelayBuilder().build()
    await relay.run()
    print(str(await relay.url()), flush=True)
    while True:
        await asyncio.sleep(3600)


def main():
    cmd = sys.argv[1]
    if cmd == "local-relay":
        asyncio.run(local_relay())
        return
    if cmd == "keys":
        k = Keys.generate()
        print(json.dumps({"secret": k.secret_key().to_hex(), "public": k.public_key().to_hex()}))
    elif cmd == "publish":
        asyncio.run(publish(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5])))
    elif cmd == "fetch":
        asyncio.run(fetch(int(sys.argv[2]), sys.argv[3]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
