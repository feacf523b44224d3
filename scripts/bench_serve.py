#!/usr/bin/env python3
"""Figures for `graspsim serve` on loopback, with nostr-sdk's LocalRelay side by side.

    .venv-peers/bin/python scripts/bench_serve.py .build/release/graspsim [--events 2000]

One independent client (rust-nostr's nostr-sdk) measures both relays the same way:
events accepted per second from 1 and from 8 concurrent clients (each waits for its OK,
events signed beforehand), and REQ queries per second. Then, for graspsim serve only,
push and clone latency of a small repository with the real git CLI (p50/p99), and the
server's peak RSS (VmHWM). Prints a table and, with --json, one JSON object.
"""
import argparse, asyncio, json, os, re, shutil, statistics, subprocess, sys, tempfile, time
from datetime import timedelta
from nostr_sdk import (ClientBuilder, EventBuilder, Filter, Keys, Kind, LocalRelay, LocalRelayBuilder,
                       RelayUrl, ReqTarget, Tag, Timestamp)


def start_serve(binary, data):
    p = subprocess.Popen([binary, "serve", "--port", "0", "--data", data, "--log-level", "error",
                          "--set", "accept_orphans=true"], stdout=subprocess.PIPE, text=True)
    for line in p.stdout:
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if m:
            return p, int(m.group(1))
    raise SystemExit("graspsim serve did not start")


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def connected(url):
    c = ClientBuilder().build()
    await c.add_relay(RelayUrl.parse(url))
    await c.connect(timedelta(seconds=5))
    return c


async def publish_rate(url, clients, total):
    per = total // clients
    batches = []
    for _ in range(clients):
        k = Keys.generate()
        batches.append([EventBuilder(Kind(1), f"bench {i}").finalize(k) for i in range(per)])
    conns = [await connected(url) for _ in range(clients)]

    async def run(c, evs):
        ok = 0
        for e in evs:
            out = await c.send_event(e)
            ok += len(out.success)
        return ok

    t0 = time.perf_counter()
    accepted = sum(await asyncio.gather(*(run(c, b) for c, b in zip(conns, batches))))
    dt = time.perf_counter() - t0
    for c in conns:
        await c.disconnect()
    return accepted / dt, accepted


async def query_rate(url, n=100):
    c = await connected(url)
    t0 = time.perf_counter()
    got = 0
    for _ in range(n):
        got += len(await c.fetch_events(ReqTarget.auto([Filter().kind(Kind(1)).limit(100)]), timedelta(seconds=10)))
    dt = time.perf_counter() - t0
    await c.disconnect()
    return n / dt, got // n


async def nostr_figures(url, events):
    one, _ = await publish_rate(url, 1, events)
    eight, _ = await publish_rate(url, 8, events)
    q, per = await query_rate(url)
    return {"publish_1_client_per_s": round(one, 1), "publish_8_clients_per_s": round(eight, 1),
            "queries_per_s": round(q, 1), "events_per_query": per}


def git(*args, cwd=None):
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                       env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    if r.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {r.stderr}")
    return r.stdout.strip()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def git_figures(port, rounds):
    base, ws = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    keys = Keys.generate()
    npub = keys.public_key().to_bech32()
    url = f"{base}/{npub}/bench.git"
    c = await connected(ws)
    await c.send_event(EventBuilder(Kind(30617), "").tags(
        [Tag.parse(["d", "bench"]), Tag.parse(["clone", url]), Tag.parse(["relays", ws])]).finalize(keys))
    work = tempfile.mkdtemp(prefix="bench-work-")
    git("init", "-q", "-b", "main", work)
    git("remote", "add", "origin", url, cwd=work)
    pushes, clones = [], []
    for i in range(rounds):
        with open(os.path.join(work, "f.txt"), "w") as f:
            f.write(f"round {i}\n")
        git("add", "f.txt", cwd=work)
        git("-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", f"r{i}", cwd=work)
        head = git("rev-parse", "HEAD", cwd=work)
        await c.send_event(EventBuilder(Kind(30618), "").tags(
            [Tag.parse(["d", "bench"]), Tag.parse(["refs/heads/main", head]), Tag.parse(["HEAD", "ref: refs/heads/main"])]
        ).custom_created_at(Timestamp.from_secs(int(time.time()) + i)).finalize(keys))
        t0 = time.perf_counter(); git("push", "-q", "origin", "main", cwd=work); pushes.append(time.perf_counter() - t0)
        dest = tempfile.mkdtemp(prefix="bench-clone-")
        t0 = time.perf_counter(); git("clone", "-q", url, os.path.join(dest, "c")); clones.append(time.perf_counter() - t0)
        shutil.rmtree(dest)
    await c.disconnect()
    ms = lambda x: round(x * 1000, 1)
    return {"push_ms_p50": ms(pct(pushes, 50)), "push_ms_p99": ms(pct(pushes, 99)),
            "clone_ms_p50": ms(pct(clones, 50)), "clone_ms_p99": ms(pct(clones, 99)), "git_rounds": rounds}


async def local_relay_figures(events):
    lr = LocalRelayBuilder().build()
    await lr.run()
    url = await lr.url()
    figures = await nostr_figures(str(url), events)
    lr.shutdown()
    return figures


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--git-rounds", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    data = tempfile.mkdtemp(prefix="bench-serve-")
    proc, port = start_serve(a.binary, data)
    try:
        ours = await nostr_figures(f"ws://127.0.0.1:{port}", a.events)
        ours.update(await git_figures(port, a.git_rounds))
        ours["peak_rss_mb"] = round(peak_rss_mb(proc.pid), 1)
    finally:
        proc.terminate(); proc.wait()
        shutil.rmtree(data, ignore_errors=True)
    theirs = await local_relay_figures(a.events)
    if a.json:
        print(json.dumps({"graspsim_serve": ours, "nostr_sdk_local_relay": theirs}))
        return
    print(f"{'figure':28} {'graspsim serve':>16} {'nostr-sdk LocalRelay':>22}")
    for k in ours:
        print(f"{k:28} {ours[k]!s:>16} {theirs.get(k, '-')!s:>22}")


asyncio.run(main())
