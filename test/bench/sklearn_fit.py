"""scikit-learn side of training.bench: fit the same CSV the studio trains on, with the studio's
train/holdout split, and report load time, fit times and held-out metrics as one JSON line.

usage: sklearn_fit.py logistic|linear FILE REPEATS [SEED HOLDOUT_FRACTION]
"""
import json
import resource
import sys
import time

import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def holdout_mask(n, seed, fraction):
    """The studio's split (src/local/studio/training/split.ts) in uint32 arithmetic."""
    m = np.uint64(0xFFFFFFFF)
    h = np.arange(n, dtype=np.uint64) ^ np.uint64((seed * 0x9E3779B1) & 0xFFFFFFFF)
    h = ((h ^ (h >> np.uint64(16))) * np.uint64(0x85EBCA6B)) & m
    h = ((h ^ (h >> np.uint64(13))) * np.uint64(0xC2B2AE35)) & m
    h = (h ^ (h >> np.uint64(16))) & m
    return h.astype(np.float64) / 4294967296.0 < fraction


def main():
    kind, path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 42
    fraction = float(sys.argv[5]) if len(sys.argv) > 5 else 0.25
    started = time.perf_counter()
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    load_s = time.perf_counter() - started
    x, y = data[:, :-1], data[:, -1]
    hold = holdout_mask(len(y), seed, fraction)
    xt, yt, xh, yh = x[~hold], y[~hold], x[hold], y[hold]
    fits = []
    model = None
    for _ in range(repeats):
        if kind == "logistic":
            model = make_pipeline(StandardScaler(), LogisticRegression(solver="lbfgs", max_iter=1000))
        else:
            model = LinearRegression()
        t = time.perf_counter()
        model.fit(xt, yt)
        fits.append(time.perf_counter() - t)
    if kind == "logistic":
        metric = {"AUC": float(roc_auc_score(yh, model.predict_proba(xh)[:, 1]))}
    else:
        metric = {"RMSE": float(np.sqrt(mean_squared_error(yh, model.predict(xh))))}
    print(json.dumps({
        "rows": int(len(y)),
        "trainingRows": int(len(yt)),
        "holdoutRows": int(len(yh)),
        "loadSeconds": load_s,
        "fitSeconds": fits,
        "metrics": metric,
        "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
