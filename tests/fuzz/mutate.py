#!/usr/bin/env python3
"""Mutation campaign over real files: truncations, byte flips, zeroed and duplicated blocks,
removed newlines. Runs `castor info` (or another command) on each mutant with a time limit
and reports every run that did not end in exit status 0 or 2 within the limit, or that took
long. Usage: tests/fuzz/mutate.py CASTOR FILE... [--runs N] [--seed S] [--timeout T]"""
import argparse, os, random, subprocess, sys, tempfile, time

def mutants(data, rng, runs):
    n = len(data)
    for k in range(runs):
        kind = k % 6
        b = bytearray(data)
        if kind == 0 and n > 1:
            cut = rng.randrange(1, n)
            yield f"truncate@{cut}", bytes(b[:cut])
        elif kind == 1:
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(n); b[i] ^= 1 << rng.randrange(8)
            yield "flip", bytes(b)
        elif kind == 2:
            i = rng.randrange(n); L = rng.randint(1, 4096)
            b[i:i + L] = bytes(len(b[i:i + L]))
            yield f"zero@{i}+{L}", bytes(b)
        elif kind == 3:
            i = rng.randrange(n); L = rng.randint(1, 4096)
            yield f"dup@{i}+{L}", bytes(b[:i + L] + b[i:i + L] + b[i + L:])
        elif kind == 4:
            yield "no-newlines", bytes(b.replace(b"\n", b"").replace(b"\r", b""))
        else:
            i = rng.randrange(max(1, n - 4))
            b[i:i + 4] = rng.choice([b"\xff\xff\xff\x7f", b"\xff\xff\xff\xff", b"\x00\x00\x00\x80"])
            yield f"huge@{i}", bytes(b)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("castor"); ap.add_argument("files", nargs="+")
    ap.add_argument("--runs", type=int, default=60); ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=20); ap.add_argument("--command", default="info")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    bad = 0; total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for f in a.files:
            data = open(f, "rb").read()
            if not data: continue
            for what, m in mutants(data, rng, a.runs):
                p = os.path.join(tmp, os.path.basename(f))
                open(p, "wb").write(m)
                t0 = time.time()
                try:
                    r = subprocess.run([a.castor] + a.command.split() + [p], capture_output=True, timeout=a.timeout)
                    rc = r.returncode; err = r.stderr.decode(errors="replace").strip().splitlines()[-1:] 
                except subprocess.TimeoutExpired:
                    rc = "timeout"; err = []
                dt = time.time() - t0
                total += 1
                if rc not in (0, 2) or dt > 5:
                    bad += 1
                    print(f"{f} {what}: rc={rc} {dt:.1f}s {err}", flush=True)
    print(f"{total} runs, {bad} findings")
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(main())
