#!/usr/bin/python3
# Experiment behind README round 5, "M4's classical decomposition": writes deseasonalised copies of
# series (seasonal indices from a 2 x m centred moving average over the training part, normalised to
# mean 1 for mult, 0 for add), runs the accuracy protocol on them, reseasonalises the lstm forecast
# and scores MASE in original units, for seasonal series with two seasons of training rows or more.
# Needs numpy (Debian's python3-numpy). The seasonal adjustment is now built in (data.seasonal_adjust,
# README round 6); this script stays for experiments beside it, e.g. another period for the indices
# than the protocol's m: MADJ=365 (README round 6, daily minimum temperatures).
#   /usr/bin/python3 bench/deseason_experiment.py data build/lstm-forecast /tmp/ds mult \
#       airline-passengers.csv,car-sales.csv data.normalise=season training.seed=1
import json, sys, os, csv, subprocess, math
import numpy as np
SRC, BINARY = sys.argv[1], sys.argv[2]
meta = json.load(open(f'{SRC}/meta.json'))
out = sys.argv[3]; mode = sys.argv[4]  # mult / add
only = sys.argv[5].split(',')
sets = sys.argv[6:]
os.makedirs(out, exist_ok=True)
def indices(y, m, mode):
    n = len(y)
    if m % 2 == 0:
        w = np.r_[0.5, np.ones(m-1), 0.5] / m
    else:
        w = np.ones(m)/m
    cma = np.convolve(y, w, mode='valid')
    off = (len(w)-1)//2
    ratio = np.full(n, np.nan)
    for i, c in enumerate(cma):
        t = i + off
        ratio[t] = y[t]/c if mode == 'mult' else y[t]-c
    idx = np.array([np.nanmean(ratio[p::m]) for p in range(m)])
    if mode == 'mult': idx = idx/idx.mean()
    else: idx = idx - idx.mean()
    return idx
sub = {}
info = {}
for f in only:
    mt = meta[f]; m = mt['m']; h = mt['h']
    rows = list(csv.reader(open(f'{SRC}/{f}')))
    hdr, body = rows[0], rows[1:]
    col = hdr.index(mt['target'])
    body = body[-5000:]
    y = np.array([float(r[col]) if r[col] not in ('', 'NA') else np.nan for r in body])
    if np.isnan(y).any():
        ii = np.arange(len(y)); ok = ~np.isnan(y); y = np.interp(ii, ii[ok], y[ok])
    n = len(y); tr = y[:n-h]
    M = int(os.environ.get('MADJ', m))  # the indices' period (default: the protocol's m)
    idx = indices(tr, M, mode) if M > 1 else np.array([1.0 if mode=='mult' else 0.0])
    pos = np.arange(n) % M
    s = idx[pos]
    yd = y / s if mode == 'mult' else y - s
    for r, v in zip(body, yd): r[col] = repr(float(v))
    with open(f'{out}/{f}', 'w', newline='') as fh:
        csv.writer(fh, lineterminator='\n').writerows([hdr] + body)
    sub[f] = mt
    info[f] = (y, s, m, h)
json.dump(sub, open(f'{out}/meta.json', 'w'))
import shutil; shutil.copy(f'{SRC}/baselines.json', f'{out}/baselines.json')
cmd = [BINARY, 'evaluate', '--protocol', out, '--json-file', f'{out}/res.json', '-q'] + sum([['--set', s] for s in sets], [])
subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
res = json.load(open(f'{out}/res.json'))
logs = []
for f in only:
    y, s, m, h = info[f]
    n = len(y); tr = y[:n-h]
    fc = np.array(res['series'][f]['methods']['lstm']['forecast'])
    st = s[n-h:]
    fo = fc*st if mode == 'mult' else fc+st
    scale = np.mean(np.abs(tr[m:] - tr[:-m]))
    mase = np.mean(np.abs(y[n-h:] - fo))/scale
    sn = np.array([tr[n-h-m + (k % m)] for k in range(h)])
    print(f'{f:24s} lstm-deseason {mase:.3f}  (snaive {np.mean(np.abs(y[n-h:]-sn))/scale:.3f}) [{res["series"][f].get("recipe","")}]')
    logs.append(math.log(mase))
print('geomean', math.exp(np.mean(logs)))
