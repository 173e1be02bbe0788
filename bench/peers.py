"""The same full-batch GD step as rfa, in NumPy and in PyTorch (float32, one thread, no autograd:
each at its best, the products with explicit transposes). Prints one JSON line per (peer, shape):
{"peer": "numpy", "n": .., "d": .., "m": .., "ms": ms per step}. A peer that is not installed is
reported as {"peer": .., "skipped": reason}. Called by bench/compare.ts; never by the tests.
Usage: python3 bench/peers.py n,d,m [n,d,m ...]"""
import json
import sys
import time


def shapes():
    return [tuple(int(v) for v in a.split(',')) for a in sys.argv[1:]]


def timed(step, budget=1.5):
    step()  # warm up
    step()
    best = float('inf')
    for _ in range(3):
        k, t0 = 0, time.perf_counter()
        while True:
            step()
            k += 1
            el = time.perf_counter() - t0
            if el > budget / 3 or k >= 200:
                break
        best = min(best, el / k)
    return best * 1000


def numpy_peer(n, d, m):
    import numpy as np
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d), dtype=np.float32)
    y = np.where(rng.standard_normal(n) >= 0, 1.0, -1.0).astype(np.float32)
    W = (0.01 * rng.standard_normal((m, d))).astype(np.float32)
    a = np.concatenate([np.full(m // 2, 1.0), np.full(m - m // 2, -1.0)]).astype(np.float32) / np.float32(np.sqrt(m))
    alpha = np.float32(1e-6)

    def step():
        Z = X @ W.T                                  # (n, m)
        f = np.maximum(Z, 0) @ a                     # (n,)
        marg = y * f
        loss = np.mean(np.logaddexp(0, -marg))
        c = (-1.0 / (1.0 + np.exp(marg))) * y / n    # ℓ'(y f)·y/n
        D = (c[:, None] * a[None, :]) * (Z > 0)      # (n, m)
        W[...] -= alpha * (D.T @ X)                  # (m, d)
        return loss
    return timed(step)


def torch_peer(n, d, m):
    import torch
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, d, generator=g)
    y = torch.where(torch.randn(n, generator=g) >= 0, 1.0, -1.0)
    W = 0.01 * torch.randn(m, d, generator=g)
    a = torch.cat([torch.full((m // 2,), 1.0), torch.full((m - m // 2,), -1.0)]) / m ** 0.5
    alpha = 1e-6

    def step():
        with torch.no_grad():
            Z = X @ W.T
            f = torch.relu(Z) @ a
            marg = y * f
            loss = torch.nn.functional.softplus(-marg).mean()
            c = -torch.sigmoid(-marg) * y / n
            D = (c[:, None] * a[None, :]) * (Z > 0)
            W.sub_(alpha * (D.T @ X))
            return loss
    return timed(step)


def main():
    for peer, fn in (('numpy', numpy_peer), ('pytorch', torch_peer)):
        try:
            __import__('numpy' if peer == 'numpy' else 'torch')
        except Exception as e:  # noqa: BLE001 - any failure to import means the peer is absent
            print(json.dumps({'peer': peer, 'skipped': f'{type(e).__name__}: {e}'}), flush=True)
            continue
        for n, d, m in shapes():
            print(json.dumps({'peer': peer, 'n': n, 'd': d, 'm': m, 'ms': fn(n, d, m)}), flush=True)


if __name__ == '__main__':
    main()
