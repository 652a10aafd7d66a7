#!/usr/bin/python3
"""The accuracy protocol (bench/README.md) for many-series training: the series of protocol folders
(meta.json: target, frequency, m, h) grouped by frequency, each group one long-format panel with the
last h rows of every series held out; `train --series-column` (per-series or global, the many-series
defaults unless --args says otherwise) on the rest, `predict` h steps, and MASE (scale: the in-sample
seasonal naive MAE with meta.json's m) per series, beside seasonal naive, naive and, when given, the
single-series recipe of `evaluate --protocol ... --json-file` on the same split; and the coverage of
the 80% and 95% prediction intervals over every held-out point.

  /usr/bin/python3 bench/panel/protocol.py --binary build/lstm-forecast data bench/check-set \\
      [--recipe-json data.json check-set.json] [--mode per-series] [--args "--combine false"]

Times are written as one format per panel (monthly and quarterly YYYY-MM-01, yearly YYYY, daily and
hourly as read); a file's own time column is its first. A series too short for the panel's look-back
is skipped by training and left out of every geometric mean here (named in the output). Missing
values (empty or NA) and absent times are interpolated (--missing interpolate), as the protocol does.
"""
import argparse
import atexit
import csv
import io
import json
import math
import os
import shlex
import shutil
import subprocess
import tempfile

import numpy as np


def read_series(path, target):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], [r for r in rows[1:] if r]
    col = header.index(target)
    return [r[0] for r in rows], np.array([float(r[col]) if r[col] not in ("", "NA") else np.nan for r in rows])


def panel_time(text, frequency):
    if frequency in ("monthly", "quarterly"):
        return text[:7] + "-01"
    if frequency == "yearly":
        return text[:4]
    return text


def mase(actual, forecast, train, m):
    scale = np.nanmean(np.abs(train[m:] - train[:-m]))
    return float(np.nanmean(np.abs(actual - forecast)) / scale)


def geomean(values):
    values = [v for v in values if v > 0 and math.isfinite(v)]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--binary", default="build/lstm-forecast")
    ap.add_argument("--recipe-json", nargs="*", default=[])
    ap.add_argument("--mode", default="per-series")
    ap.add_argument("--seed", default="0")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--args", default="", help="more train flags, e.g. \"--combine false\"")
    a = ap.parse_args()
    recipe = {}
    for path in a.recipe_json:
        result = json.load(open(path))
        for name, s in result["series"].items():
            if "methods" in s and "lstm" in s["methods"]:
                recipe[(os.path.basename(os.path.normpath(result["folder"])), name)] = s["methods"]["lstm"]["mase"]
    groups = {}
    for folder in a.folders:
        meta = json.load(open(os.path.join(folder, "meta.json")))
        for name, info in sorted(meta.items()):
            times, values = read_series(os.path.join(folder, name), info["target"])
            sid = os.path.basename(os.path.normpath(folder)) + "/" + name
            groups.setdefault(info["frequency"], []).append((sid, name, info, times, values))
    work = tempfile.mkdtemp(prefix="lstmf-panel-protocol-")
    atexit.register(shutil.rmtree, work, True)  # its scratch files go with it
    rows = []
    for frequency, members in sorted(groups.items()):
        h = members[0][2]["h"]
        train_csv = os.path.join(work, frequency + ".csv")
        with open(train_csv, "w") as f:
            f.write("id,date,value\n")
            for sid, name, info, times, values in members:
                for t, v in zip(times[:-info["h"]], values[:-info["h"]]):
                    f.write("%s,%s,%s\n" % (sid, panel_time(t, frequency), "" if np.isnan(v) else repr(float(v))))
        model = os.path.join(work, frequency + ".json")
        subprocess.check_call([a.binary, "train", "--data", train_csv, "--series-column", "id", "--target", "value",
                               "--time-column", "date", "--horizon", str(h), "--mode", a.mode, "--seed", a.seed,
                               "--threads", a.threads, "--missing", "interpolate", "--quiet", "--output", model] + shlex.split(a.args))
        out = subprocess.check_output([a.binary, "predict", "--model", model, "--horizon", str(h), "--intervals", "80,95"]).decode()
        forecasts, bounds = {}, {}
        for r in csv.DictReader(io.StringIO(out)):
            forecasts.setdefault(r["id"], []).append(float(r["value"]))
            bounds.setdefault(r["id"], []).append([float(r["value_" + k]) for k in ("lo80", "hi80", "lo95", "hi95")])
        for sid, name, info, times, values in members:
            m = info["m"]
            train, actual = values[:-info["h"]], values[-info["h"]:]
            snaive = np.array([train[len(train) - m + (k % m)] for k in range(info["h"])])
            naive = np.full(info["h"], train[-1])
            folder = sid.split("/")[0]
            row = {"series": sid, "frequency": frequency, "train_rows": len(train),
                   "panel": round(mase(actual, np.array(forecasts[sid]), train, m), 3) if sid in forecasts else None,
                   "snaive": round(mase(actual, snaive, train, m), 3), "naive": round(mase(actual, naive, train, m), 3),
                   "recipe": round(recipe[(folder, name)], 3) if (folder, name) in recipe else None}
            if sid in bounds:
                b = np.array(bounds[sid])
                seen = ~np.isnan(actual)
                row["points"] = int(seen.sum())
                row["covered80"] = int(((b[:, 0] <= actual) & (actual <= b[:, 1]))[seen].sum())
                row["covered95"] = int(((b[:, 2] <= actual) & (actual <= b[:, 3]))[seen].sum())
            rows.append(row)
            print(json.dumps(row), flush=True)
    scored = [r for r in rows if r["panel"] is not None]
    summary = {"series": len(rows), "skipped": [r["series"] for r in rows if r["panel"] is None],
               "panel": round(geomean([r["panel"] for r in scored]), 3),
               "snaive": round(geomean([r["snaive"] for r in scored]), 3),
               "naive": round(geomean([r["naive"] for r in scored]), 3),
               "panel_loses_to_snaive": sum(1 for r in scored if r["panel"] > r["snaive"])}
    points = sum(r["points"] for r in scored)
    summary["coverage80"] = round(100.0 * sum(r["covered80"] for r in scored) / points, 1)
    summary["coverage95"] = round(100.0 * sum(r["covered95"] for r in scored) / points, 1)
    with_recipe = [r for r in scored if r["recipe"] is not None]
    if with_recipe:
        summary["recipe"] = round(geomean([r["recipe"] for r in with_recipe]), 3)
        summary["panel_on_recipe_series"] = round(geomean([r["panel"] for r in with_recipe]), 3)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
