#!/usr/bin/python3
# Experiment behind README round 13: the recipe's forecasts (from an accuracy-protocol JSON) blended
# with a Theta forecast, w * recipe + (1 - w) * theta, replayed on the held-out points. Nothing is
# trained here. Theta (Assimakopoulos & Nikolopoulos 2000, as R's forecast::thetaf): when the
# training part's lag-m autocorrelation passes M4's 90% test and it stays above 0, classical
# multiplicative indices (2 x m centred moving average) are divided out; simple exponential smoothing
# (alpha by least squares on a grid) plus half the slope of a straight line through the training
# part, f_h = level + b / 2 (h - 1 + 1 / alpha - (1 - alpha)^n / alpha); the indices multiplied back.
# `recipe` instead of `own` deseasonalises exactly where the recipe did (its "multiplicative
# adjusted"). Needs numpy (Debian's python3-numpy). Missing values interpolated linearly.
#   ./build/lstm-forecast evaluate --protocol data --json-file /tmp/p.json > /dev/null
#   /usr/bin/python3 bench/theta_replay.py data /tmp/p.json [own|recipe]
import csv, json, math, re, sys
import numpy as np


def read_target(path, target):
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = [h.strip() for h in next(rows)]
        j = header.index(target)
        values = []
        for row in rows:
            if not row or all(not c.strip() for c in row):
                continue
            text = row[j].strip()
            values.append(float(text) if text not in ("", "NA", "nan") else math.nan)
    y = np.array(values)
    t = np.arange(len(y))
    ok = ~np.isnan(y)
    return np.interp(t, t[ok], y[ok])


def acf(y, k):
    d = y - y.mean()
    return (d[:-k] * d[k:]).sum() / (d * d).sum()


def m4_seasonal(y, m):
    if m <= 1 or len(y) < 3 * m:
        return False
    r = [acf(y, k) for k in range(1, m + 1)]
    return abs(r[-1]) > 1.645 * math.sqrt((1 + 2 * sum(x * x for x in r[:-1])) / len(y))


def multiplicative_indices(y, m):
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(y, w, mode="valid")
    offset = (len(w) - 1) // 2
    ratios = [[] for _ in range(m)]
    for i, c in enumerate(trend):
        ratios[(i + offset) % m].append(y[i + offset] / c)
    idx = np.array([np.mean(r) for r in ratios])
    return idx / idx.mean()


def ses_run(x, alpha):
    level, sse = x[0], 0.0
    for v in x[1:]:
        e = v - level
        sse += e * e
        level += alpha * e
    return sse, level


def ses(x):
    grid = list(np.linspace(0.01, 0.99, 99))
    sse, alpha = min((ses_run(x, a)[0], a) for a in grid)
    fine = np.linspace(max(0.001, alpha - 0.01), min(0.999, alpha + 0.01), 41)
    sse, alpha = min((ses_run(x, a)[0], a) for a in fine)
    return alpha, ses_run(x, alpha)[1]


def theta(y, h, m, mode, recipe):
    n = len(y)
    if mode == "recipe":
        seasonal = "multiplicative adjusted" in recipe
        period = re.search(r"period (\d+)", recipe)
        m = int(period.group(1)) if period else m
    else:
        seasonal = m4_seasonal(y, m) and y.min() > 0
    idx = multiplicative_indices(y, m) if seasonal else None
    x = y / idx[np.arange(n) % m] if seasonal else y
    alpha, level = ses(x)
    slope = np.polyfit(np.arange(n), x, 1)[0]
    steps = np.arange(1, h + 1)
    f = level + 0.5 * slope * (steps - 1 + 1 / alpha - (1 - alpha) ** n / alpha)
    return f * idx[(n + steps - 1) % m] if seasonal else f


def main(folder, result, mode):
    series = json.load(open(result))["series"]
    weights = (1.0, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5, 0.0)
    scores = []  # per series: {method: MASE}
    for name, s in series.items():
        if "methods" not in s:
            continue
        h, m = s["h"], s["m"]
        actual = np.array([math.nan if a is None else a for a in s["actual"]])
        ok = ~np.isnan(actual)
        lstm = s["methods"]["lstm"]
        scale = np.abs(np.array(lstm["forecast"]) - actual)[ok].mean() / lstm["mase"]
        y = read_target(f"{folder}/{name}", s["target"])[:-h]
        th = theta(y, h, m, mode, s.get("recipe", ""))
        row = {"snaive": s["methods"]["snaive"]["mase"]}
        for w in weights:
            f = w * np.array(lstm["forecast"]) + (1 - w) * th
            row[w] = np.abs(f - actual)[ok].mean() / scale
        scores.append(row)
    print(f"{len(scores)} series of {result}, theta deseasonalised as {mode}")
    print("| recipe weight w | geomean MASE | loses to seasonal naive |")
    print("| ---: | ---: | ---: |")
    for w in weights:
        g = math.exp(np.mean([math.log(r[w]) for r in scores]))
        losses = sum(r[w] > r["snaive"] for r in scores)
        print(f"| {w:g} | {g:.3f} | {losses} |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "own")
