#!/usr/bin/env python3
"""Short series for the accuracy protocol, cut from longer ones.

Writes OUT_DIR with, for every series of each protocol folder given (a folder with meta.json, as
data/ or bench/check-set/), the first and the last h + k rows for each k of --keep (h from
meta.json), named FOLDER-SERIES-firstK.csv and FOLDER-SERIES-lastK.csv, and their meta.json: the
protocol then trains on k rows and holds out h. A copy is left out when the file has fewer than
h + k + 10 rows, and hourly and half-hourly series are left out (README round 15).

    bench/truncated.py /tmp/tiny data bench/check-set bench/check-set-2 --keep 6,10,14,20
    build/lstm-forecast evaluate --protocol /tmp/tiny --json-file tiny.json
"""
import argparse
import json
import os


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--keep", default="6,10,14,20", help="training rows kept, comma-separated (default 6,10,14,20)")
    args = parser.parse_args()
    keep = [int(k) for k in args.keep.split(",") if k]
    os.makedirs(args.out_dir, exist_ok=True)
    meta_out = {}
    for folder in args.folders:
        with open(os.path.join(folder, "meta.json")) as f:
            meta = json.load(f)
        for name, entry in meta.items():
            if str(entry.get("frequency", "")).strip().lower() in ("hourly", "half-hourly"):
                continue
            with open(os.path.join(folder, name)) as f:
                lines = f.read().splitlines()
            header, rows = lines[0], [line for line in lines[1:] if line.strip()]
            for k in keep:
                n = entry["h"] + k
                if n > len(rows) - 10:
                    continue
                for side, part in (("first", rows[:n]), ("last", rows[-n:])):
                    out = f"{os.path.basename(os.path.normpath(folder))}-{name[:-4]}-{side}{k}.csv"
                    with open(os.path.join(args.out_dir, out), "w") as f:
                        f.write("\n".join([header] + part) + "\n")
                    meta_out[out] = entry
    with open(os.path.join(args.out_dir, "meta.json"), "w") as f:
        json.dump(meta_out, f, indent=1)
    print(f"{len(meta_out)} series written to {args.out_dir}")


if __name__ == "__main__":
    main()
