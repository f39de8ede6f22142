"""statsforecast's AutoETS and AutoARIMA on a benchmark file, for a side-by-side CPU comparison
with `sentia forecast bench` (see docs/forecasting.md). Protocol of shared/data/README.md:
fit on train rows, forecast h, score on test rows; one process, one thread, after one warm-up
series; CPU time per model from time.process_time().

Usage: python statsforecast_side_by_side.py FILE.csv.gz H M [LIMIT]
Needs: pip install statsforecast==2.1.1 pandas
"""

import sys
import time

import numpy as np
import pandas as pd
from statsforecast.models import AutoARIMA, AutoETS


def main():
    path, h, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
    df = pd.read_csv(path)
    ids = list(dict.fromkeys(df["series_id"]))
    if limit:
        ids = ids[:limit]
    groups = {k: g.sort_values("t") for k, g in df[df["series_id"].isin(ids)].groupby("series_id")}
    for name, make in [("AutoETS", lambda: AutoETS(season_length=m)),
                       ("AutoARIMA", lambda: AutoARIMA(season_length=m))]:
        # Warm-up (numba compilation) on the first series, not timed.
        first = groups[ids[0]]
        make().forecast(y=first[first.split == "train"]["value"].to_numpy(float), h=h, level=[80, 95])
        smape, mase, in80, in95, n = [], [], 0, 0, 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for sid in ids:
            g = groups[sid]
            y = g[g.split == "train"]["value"].to_numpy(float)
            a = g[g.split == "test"]["value"].to_numpy(float)
            f = make().forecast(y=y, h=h, level=[80, 95])
            p = f["mean"]
            smape.append(np.mean(200 * np.abs(a - p) / (np.abs(a) + np.abs(p))))
            scale = np.mean(np.abs(y[m:] - y[:-m])) if len(y) > m else np.mean(np.abs(np.diff(y)))
            mase.append(np.mean(np.abs(a - p)) / scale)
            in80 += int(np.sum((f["lo-80"] <= a) & (a <= f["hi-80"])))
            in95 += int(np.sum((f["lo-95"] <= a) & (a <= f["hi-95"])))
            n += len(a)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        print(f"{name:10s} series {len(ids):5d} sMAPE {np.mean(smape):6.2f} MASE {np.mean(mase):6.3f} "
              f"median {np.median(mase):6.3f} cov80 {100 * in80 / n:5.1f} cov95 {100 * in95 / n:5.1f} "
              f"CPU s {cpu:8.2f} wall s {wall:8.2f} CPU ms/series {1000 * cpu / len(ids):8.1f}", flush=True)


if __name__ == "__main__":
    main()
