#!/usr/bin/env python3
"""Several forecast origins per series, for the accuracy protocol.

Writes OUT_DIR with, for every series of each protocol folder given (a folder with meta.json, as
data/ or bench/check-set/), copies that end 0, h and 2h rows before the file's end (h from
meta.json), named FOLDER-SERIES-cK.csv, and their meta.json. The protocol then holds out the last
h rows of each copy: three held-out periods per series instead of one, for interval coverage that
one origin per series measures too noisily (README round 10). A copy is left out when it keeps
fewer than 3h + 10 rows; --once FILE,... keeps only the full file for those (a long hourly series).

    bench/origins.py /tmp/origins data bench/check-set bench/check-set-2 --once beijing-pm25.csv
    build/lstm-forecast evaluate --protocol /tmp/origins --json-file origins.json
"""
import argparse
import json
import os
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--cuts", type=int, default=3, help="origins per series (default 3)")
    parser.add_argument("--once", default="", help="comma-separated files kept at their full length only")
    args = parser.parse_args()
    once = set(filter(None, args.once.split(",")))
    os.makedirs(args.out_dir, exist_ok=True)
    meta_out = {}
    for folder in args.folders:
        tag = os.path.basename(os.path.normpath(folder))
        with open(os.path.join(folder, "meta.json")) as f:
            meta = json.load(f)
        for name, info in sorted(meta.items()):
            with open(os.path.join(folder, name)) as f:
                lines = [line for line in f.read().splitlines() if line.strip()]
            header, rows = lines[0], lines[1:]
            h = int(info["h"])
            for cut in range(args.cuts if name not in once else 1):
                keep = rows[:len(rows) - cut * h]
                if len(keep) < 3 * h + 10:
                    continue
                copy = "%s-%s-c%d.csv" % (tag, name[:-4], cut)
                with open(os.path.join(args.out_dir, copy), "w") as f:
                    f.write("\n".join([header] + keep) + "\n")
                meta_out[copy] = info
    with open(os.path.join(args.out_dir, "meta.json"), "w") as f:
        json.dump(meta_out, f, indent=1, sort_keys=True)
    print("%s: %d series" % (args.out_dir, len(meta_out)), file=sys.stderr)


if __name__ == "__main__":
    main()
