#!/usr/bin/python3
"""Does a global model help short series? The monthly series of a data folder (--data, default the
project's data/, copies of ../shared/data; meta.json: target,
m = 12, h = 18) as one long-format panel; the last h rows of every series are held out, the models
train on the rest, forecast h steps (recursively: a one-step model rolled forward) and are scored by
MASE (scale: the in-sample seasonal naive MAE, m = 12) against the held-out rows, per series, for
--mode per-series and --mode global with the same recipe, over several seeds; seasonal naive beside.

  /usr/bin/python3 bench/panel/accuracy.py --binary build/lstm-forecast [--seeds 0,1,2] [--data DIR]
"""
import argparse
import csv
import io
import json
import os
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data")  # the project's copies of ../shared/data (data/README.md)
RECIPE = ["--series-column", "id", "--target", "value", "--time-column", "date", "--look-back", "6",
          "--horizon", "1", "--hidden", "16", "--epochs", "200", "--patience", "20", "--lr", "0.005",
          "--batch-size", "16", "--val-fraction", "0.1", "--quiet",
          "--normalise", "minmax"]  # as measured on 2026-11-23 (the many-series default is season since 2026-12-04)


def mase(actual, forecast, train, m):
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    return float(np.mean(np.abs(actual - forecast)) / scale)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/lstm-forecast")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=DATA, help="a folder laid out as data/: meta.json and its CSV files")
    a = ap.parse_args()
    meta = json.load(open(os.path.join(a.data, "meta.json")))
    monthly = {name: info for name, info in meta.items() if info["frequency"] == "monthly"}
    h = next(iter(monthly.values()))["h"]
    m = next(iter(monthly.values()))["m"]
    series = {}
    for name, info in sorted(monthly.items()):
        with open(os.path.join(a.data, name)) as f:
            rows = list(csv.DictReader(f))
        series[name.replace(".csv", "")] = ([r["date"] for r in rows], np.array([float(r[info["target"]]) for r in rows]))
    work = tempfile.mkdtemp(prefix="lstmf-accuracy-")
    train_csv = os.path.join(work, "train.csv")
    with open(train_csv, "w") as f:
        f.write("id,date,value\n")
        for sid, (dates, values) in series.items():
            for d, v in zip(dates[:-h], values[:-h]):
                f.write("%s,%s,%r\n" % (sid, d, v))
    results = {sid: {"per-series": [], "global": []} for sid in series}
    for seed in a.seeds.split(","):
        for mode in ("per-series", "global"):
            model = os.path.join(work, "%s-%s.json" % (mode, seed))
            subprocess.check_call([a.binary, "train", "--data", train_csv, "--mode", mode, "--seed", seed,
                                   "--threads", str(a.threads), "--output", model] + RECIPE)
            out = subprocess.check_output([a.binary, "predict", "--model", model, "--horizon", str(h)]).decode()
            forecasts = {}
            for row in csv.DictReader(io.StringIO(out)):
                forecasts.setdefault(row["id"], []).append(float(row["value"]))
            for sid, (dates, values) in series.items():
                results[sid][mode].append(mase(values[-h:], np.array(forecasts[sid]), values[:-h], m))
    report = []
    for sid, (dates, values) in series.items():
        train, actual = values[:-h], values[-h:]
        snaive = np.array([train[len(train) - m + (k % m)] for k in range(h)])
        report.append({"series": sid, "train_rows": len(train),
                       "mase_per_series": round(float(np.mean(results[sid]["per-series"])), 3),
                       "mase_global": round(float(np.mean(results[sid]["global"])), 3),
                       "mase_seasonal_naive": round(mase(actual, snaive, train, m), 3),
                       "seeds": len(a.seeds.split(","))})
        print(json.dumps(report[-1]), flush=True)


if __name__ == "__main__":
    main()
