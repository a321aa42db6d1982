#!/usr/bin/env python3
"""Builds a large Neware .nda (86-byte records) from a small real one, for reader benchmarks.

The header of the source file is kept, the version byte (offset 14) is set to --version,
and the source's data records are repeated with a running Index until --rows records are
written. The values are the source's; only Index changes. The file is a benchmark input,
not a test fixture: castor's tests use the real files in shared/data.

Usage:
  /usr/bin/python3 bench/compare/make_large_nda.py \\
      ../shared/data/cycler/NewareNDA/new_nda_file.nda /tmp/large_v26.nda --rows 222000 --version 26
"""
import argparse
import struct


def first_record(b):
    for p in range(len(b) - 2 * 86):
        if (b[p] == 0x55 and b[p + 1] == 0 and b[p + 86] == 0x55 and b[p + 87] == 0 and b[p + 12] != 0
                and struct.unpack_from("<I", b, p + 2)[0] != 0):
            return p
    raise SystemExit("no 86-byte data records in the source file")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source")
    ap.add_argument("output")
    ap.add_argument("--rows", type=int, default=222000)
    ap.add_argument("--version", type=int, default=26)
    a = ap.parse_args()
    b = open(a.source, "rb").read()
    start = first_record(b)
    records = [b[q:q + 86] for q in range(start, len(b) - 85, 86) if b[q] == 0x55]
    out = bytearray(b[:start])
    out[14] = a.version
    n = 0
    while n < a.rows:
        for r in records:
            if n == a.rows:
                break
            n += 1
            r = bytearray(r)
            struct.pack_into("<I", r, 2, n)
            out += r
    with open(a.output, "wb") as f:
        f.write(out)
    print(f"{a.output}: {n} records, {len(out)} bytes, version {a.version}")


if __name__ == "__main__":
    main()
