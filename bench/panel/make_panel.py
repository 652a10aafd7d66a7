#!/usr/bin/python3
"""Synthetic panel for the many-series benchmarks: N monthly series of L points in long format
(id,date,value), each a trend plus a yearly season plus noise with its own level, slope, amplitude,
phase and noise, and a start month of its own (ragged starts). Deterministic for a given --seed.

  bench/panel/make_panel.py --series 10000 --length 120 > panel.csv
"""
import argparse
import math
import random
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=10000)
    ap.add_argument("--length", type=int, default=120)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = sys.stdout
    out.write("id,date,value\n")
    for i in range(a.series):
        level = rng.uniform(50, 500)
        slope = rng.uniform(-0.5, 1.5) * level / 100
        amplitude = rng.uniform(0.05, 0.3) * level
        phase = rng.uniform(0, 2 * math.pi)
        noise = rng.uniform(0.02, 0.1) * level
        start = rng.randrange(24)  # months after 2010-01
        rows = []
        for t in range(a.length):
            month = start + t
            value = level + slope * t + amplitude * math.sin(2 * math.pi * month / 12 + phase) + rng.gauss(0, noise)
            rows.append("s%05d,%04d-%02d,%.3f\n" % (i, 2010 + month // 12, month % 12 + 1, value))
        out.writelines(rows)


if __name__ == "__main__":
    main()
