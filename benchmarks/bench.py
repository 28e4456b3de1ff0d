"""make bench: how fast the book and nntrain run, against the targets of issue 16.

Writes benchmarks/results.json and benchmarks/results.md. Every figure is the
median of several runs with its min-max; every ratio is measured side by side
within one run. Options: --threads N (numpy BLAS and torch, 1 by default),
--runs N (timing runs, 3), --repeats N (executions per chapter, 1),
--chapters 06,07 | all | none, --full (also time make book and make test),
--reuse-full (keep those two timings from the last results.json).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "code"))
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402

from nntrain import calculus, layers as L  # noqa: E402
from nntrain.bridge.timing import cpu_threads, time_steps  # noqa: E402
from nntrain.losses import softmax_cross_entropy  # noqa: E402
from nntrain.optim import SGD, Adam  # noqa: E402

TARGETS = dict(chapter_s=30.0, chapter_mb=1536.0, test_s=900.0, mlp_ratio=1.2,
               mlp_gemm_frac=0.8, optim_ratio=1.5)


def stats(xs) -> dict:
    xs = [float(x) for x in xs]
    return dict(median=median(xs), min=min(xs), max=max(xs), n=len(xs))


def clock(fn, runs: int, inner: int = 1) -> dict:
    """Seconds per call of fn: `runs` timings of `inner` calls each, after one warm-up."""
    fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        out.append((time.perf_counter() - t) / inner)
    return stats(out)


def machine(threads: int) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    try:
        import psutil
        physical = psutil.cpu_count(logical=False)
        mem_gb = psutil.virtual_memory().total / 2**30
    except ImportError:
        physical, mem_gb = None, None
    blas = [{k: d.get(k) for k in ("internal_api", "version", "num_threads", "threading_layer",
                                    "architecture")}
            for d in threadpool_info() if d.get("user_api") == "blas"]
    return dict(cpu=cpu, logical_cores=os.cpu_count(), physical_cores=physical, memory_gb=mem_gb,
                python=platform.python_version(), numpy=np.__version__, torch=torch.__version__,
                blas=blas, torch_default_threads=torch.get_num_threads(), bench_threads=threads)


# ----------------------------------------------------------------- 1. chapters
def run_chapter(path: Path) -> dict:
    """Execute a copy of one notebook in a fresh kernel; wall time and peak RSS of the kernel."""
    import nbformat
    import psutil
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    me, peak, done = psutil.Process(), [0], threading.Event()

    def poll() -> None:
        while not done.is_set():
            rss = 0
            for ch in me.children(recursive=True):
                try:
                    rss += ch.memory_info().rss
                except psutil.Error:
                    pass
            peak[0] = max(peak[0], rss)
            time.sleep(0.05)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    t = time.perf_counter()
    try:
        client.execute()
    finally:
        seconds = time.perf_counter() - t
        done.set()
        watcher.join()
    with tempfile.TemporaryDirectory() as tmp:         # the executed copy, never the source
        nbformat.write(nb, Path(tmp) / path.name)
    return dict(seconds=seconds, peak_mb=peak[0] / 2**20)


def bench_chapters(select: str, repeats: int) -> list[dict]:
    paths = sorted((ROOT / "chapters").glob("*.ipynb"))
    if select == "none":
        return []
    if select != "all":
        keys = [k.strip() for k in select.split(",")]
        paths = [p for p in paths if any(p.name.startswith(k) for k in keys)]
    rows = []
    for p in paths:
        runs = [run_chapter(p) for _ in range(repeats)]
        row = dict(chapter=p.stem, seconds=stats([r["seconds"] for r in runs]),
                   peak_mb=stats([r["peak_mb"] for r in runs]))
        row["met"] = bool(row["seconds"]["max"] <= TARGETS["chapter_s"]
                          and row["peak_mb"]["max"] <= TARGETS["chapter_mb"])
        print(f"  {p.stem}: {row['seconds']['median']:.1f} s, {row['peak_mb']['median']:.0f} MB")
        rows.append(row)
    return rows


# -------------------------------------------------------- 3. MLP step vs torch
def bench_gemm(runs: int, n: int = 2048) -> dict:
    a, b = np.random.default_rng(0).standard_normal((2, n, n))
    t = clock(lambda: a @ b, runs)
    return dict(n=n, seconds=t, gflops=2 * n**3 / t["median"] / 1e9)


def bench_mlp(runs: int, threads: int, gemm_gflops: float) -> list[dict]:
    sizes = ((64, 256, 10), (784, 1024, 1024, 10))
    calls = [time_steps(sizes, batch_size=256, repeats=5, threads=threads) for _ in range(runs)]
    rows = []
    for i, size in enumerate(sizes):
        flop = 6 * 256 * sum(a * b for a, b in zip(size[:-1], size[1:]))
        np_s = stats([c[i]["numpy_s"] for c in calls])
        th_s = stats([c[i]["torch_s"] for c in calls])
        rows.append(dict(sizes=list(size), batch=256, flop=flop, numpy_s=np_s, torch_s=th_s,
                         ratio=stats([c[i]["ratio"] for c in calls]),
                         numpy_gflops=flop / np_s["median"] / 1e9,
                         torch_gflops=flop / th_s["median"] / 1e9,
                         numpy_gemm_frac=flop / np_s["median"] / 1e9 / gemm_gflops))
    return rows


# ------------------------------------------------------- 4. optimizer steps
def bench_bandwidth(runs: int, mb: int = 100) -> dict:
    n = mb * 2**20 // 8
    a, b = np.ones(n), np.ones(n)
    cp = clock(lambda: np.copyto(a, b), runs)
    add = clock(lambda: np.add(a, b, out=a), runs)
    gbs = dict(copy=16 * n / cp["median"] / 1e9, add=24 * n / add["median"] / 1e9)
    return dict(array_mb=mb, copy_s=cp, add_s=add, copy_gbs=gbs["copy"], add_gbs=gbs["add"],
                gbs=max(gbs.values()))


def bench_optim(runs: int, bandwidth: float, n_params=(1_000_000, 10_000_000),
                chunks: int = 4) -> list[dict]:
    from nntrain.core import Parameter
    rows = []
    for n in n_params:
        rng = np.random.default_rng(0)
        data = [rng.standard_normal(n // chunks) for _ in range(chunks)]
        grads = [0.01 * rng.standard_normal(n // chunks) for _ in range(chunks)]
        for name, arrays in (("Adam", 7), ("SGD momentum 0.9", 5)):
            ps = [Parameter(d) for d in data]
            for p, g in zip(ps, grads):
                p.grad[...] = g
            tp = [torch.tensor(d, requires_grad=True) for d in data]
            for p, g in zip(tp, grads):
                p.grad = torch.tensor(g)
            if name == "Adam":
                ours, theirs = Adam(ps, lr=1e-3), torch.optim.Adam(tp, lr=1e-3, foreach=True)
            else:
                ours = SGD(ps, lr=1e-3, momentum=0.9)
                theirs = torch.optim.SGD(tp, lr=1e-3, momentum=0.9, foreach=True)
            inner = max(1, 10_000_000 // n)
            ts = []
            for _ in range(runs):                             # side by side, run by run
                a = clock(ours.step, 3, inner)["median"]
                b = clock(theirs.step, 3, inner)["median"]
                ts.append((a, b))
            nbytes = arrays * 8 * n
            np_s, th_s = stats([a for a, _ in ts]), stats([b for _, b in ts])
            rows.append(dict(optimizer=name, params=n, tensors=chunks, bytes_per_step=nbytes,
                             numpy_s=np_s, torch_s=th_s, ratio=stats([a / b for a, b in ts]),
                             numpy_gbs=nbytes / np_s["median"] / 1e9,
                             torch_gbs=nbytes / th_s["median"] / 1e9,
                             numpy_bw_frac=nbytes / np_s["median"] / 1e9 / bandwidth))
    return rows


def profile_sgd(runs: int, n: int = 10_000_000, chunks: int = 4) -> dict:
    """Where the time of nntrain's SGD(momentum) step goes, summed over the tensors.

    The finiteness check of Optimizer.step, SGD.update as it is (in cache-sized
    blocks, optim.base.blocks), and the same update over whole arrays, as it
    was before blocking (one pass over main memory per line).
    """
    from nntrain.core import Parameter
    from nntrain.optim import base
    rng = np.random.default_rng(0)
    p = Parameter(rng.standard_normal(n // chunks))
    p.grad[...] = 0.01 * rng.standard_normal(n // chunks)
    opt = SGD([p], lr=1e-3, momentum=0.9)
    opt.step()
    hp, state, g = opt.hyperparameters(), opt.state[p], p.grad
    update = lambda: opt.update(p.data, g, state, **hp)  # noqa: E731
    out = {"finiteness check, np.isfinite(g).all()": clock(lambda: np.isfinite(g).all(), runs, 3),
           f"SGD.update in blocks of {base.BLOCK} numbers": clock(update, runs, 3)}
    block = base.BLOCK
    try:
        base.BLOCK = n                                # one block: whole arrays
        out["the same update over whole arrays"] = clock(update, runs, 3)
    finally:
        base.BLOCK = block
    return {name: chunks * t["median"] for name, t in out.items()}


# ------------------------------------------------ 5. backprop vs differences
def bench_backprop(runs: int, sizes=((8, 16, 4), (16, 32, 10), (32, 64, 10))) -> list[dict]:
    rows = []
    for size in sizes:
        rng = np.random.default_rng(0)
        mods = []
        for i, (a, b) in enumerate(zip(size[:-1], size[1:])):
            mods += [L.Linear(a, b, rng)] + ([L.Tanh()] if i < len(size) - 2 else [])
        model = L.Sequential(*mods)
        params = model.parameters()
        X, y = rng.standard_normal((32, size[0])), rng.integers(0, size[-1], 32)
        theta = L.parameters_to_vector(params)

        def backprop() -> None:
            model.zero_grad()
            _, d = softmax_cross_entropy(model(X), y)
            model.backward(d)

        def loss(v) -> float:
            L.vector_to_parameters(v, params)
            return softmax_cross_entropy(model(X), y)[0]

        ts, err = [], 0.0
        for _ in range(runs):
            L.vector_to_parameters(theta, params)
            bp = clock(backprop, 3, 20)["median"]
            g_bp = L.grads_to_vector(params)
            t = time.perf_counter()
            g_fd = calculus.gradient(loss, theta)
            ts.append((bp, time.perf_counter() - t))
            err = max(err, calculus.rel_error(g_bp, g_fd))
        rows.append(dict(sizes=list(size), params=int(theta.size), batch=32,
                         backprop_s=stats([a for a, _ in ts]), fd_s=stats([b for _, b in ts]),
                         ratio=stats([b / a for a, b in ts]), rel_error=float(err)))
    return rows


# ---------------------------------------------------------- 2. --full
def bench_full() -> dict:
    """make test on a clean clone of HEAD (installs included), then make book
    from a clean _build in that clone. Uncommitted changes are not timed."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone,
                              capture_output=True, text=True, check=True).stdout.strip()
        for target in ("test", "book"):
            if target == "book":
                subprocess.run(["rm", "-rf", str(clone / "_build")], check=True)
            t = time.perf_counter()
            rc = subprocess.run(["make", target], cwd=clone).returncode
            out[target] = dict(seconds=time.perf_counter() - t, returncode=rc)
    out["commit"] = head
    out["test_met"] = out["test"]["returncode"] == 0 and out["test"]["seconds"] <= TARGETS["test_s"]
    return out


# ---------------------------------------------------------------- report
def mm(s: dict, fmt: str = "{:.3g}", scale: float = 1.0) -> str:
    f = [fmt.format(s[k] * scale) for k in ("median", "min", "max")]
    return f"{f[0]} ({f[1]}–{f[2]})"


def met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def report(r: dict) -> str:
    m, t = r["machine"], TARGETS
    blas = "; ".join(f"{b['internal_api']} {b['version']} ({b['threading_layer']}, "
                     f"{b['architecture']}), {b['num_threads']} threads by default"
                     for b in m["blas"]) or "none found"
    out = [f"# Benchmarks ({r['date']})", "", "Written by `make bench` (`benchmarks/bench.py`). "
           "Figures: median (min–max) over the runs; ratios are nntrain / torch "
           "(or differences / backprop), measured side by side within each run.", "",
           "## Machine", "",
           f"- CPU: {m['cpu']}; {m['logical_cores']} logical cores, {m['physical_cores']} "
           f"physical; {m['memory_gb']:.1f} GiB memory",
           f"- Python {m['python']}, numpy {m['numpy']}, torch {m['torch']} (CPU)",
           f"- numpy BLAS: {blas}",
           f"- Threads during the timings: {m['bench_threads']} for numpy's BLAS "
           f"(threadpoolctl) and {m['bench_threads']} for torch (`torch.set_num_threads`); torch "
           f"defaults to {m['torch_default_threads']}. Chapters run with the kernel's defaults.",
           f"- Runs per figure: {r['runs']}", ""]
    out += ["## Targets", "", "| target | result |", "|---|---|"]
    for name, ok in r["targets"].items():
        out.append(f"| {name} | {met(ok) if ok is not None else 'not measured'} |")
    out += ["", "## 1. Chapters (fresh kernel each)", ""]
    if r["chapters"]:
        out += [f"Executions per chapter: {r['repeats']}. Peak memory: the largest sampled RSS of "
                "the kernel process (psutil, every 50 ms).", "",
                f"| chapter | seconds | peak MB | ≤ {t['chapter_s']:.0f} s and "
                f"≤ {t['chapter_mb'] / 1024:.1f} GB |", "|---|---|---|---|"]
        out += [f"| {c['chapter']} | {mm(c['seconds'])} | {mm(c['peak_mb'], '{:.0f}')} | "
                f"{met(c['met'])} |" for c in r["chapters"]]
    else:
        out.append("Not run (`--chapters none`).")
    out += ["", "## 2. make book (clean) and make test", ""]
    if r["full"]:
        full = r["full"]
        out += [f"On a fresh clone of commit `{full['commit']}`:", "",
                f"- `make test`, with the virtual environment created and every package "
                f"installed: {full['test']['seconds']:.0f} s "
                f"(exit {full['test']['returncode']});",
                f"- then `make book` from an empty `_build` (every chapter executed): "
                f"{full['book']['seconds']:.0f} s (exit {full['book']['returncode']})."]
    else:
        out.append("Not run (needs `--full`).")
    g = r["gemm"]
    out += ["", "## 3. MLP training step, nntrain (numpy) vs torch, CPU float64", "",
            f"Reference: one {g['n']}×{g['n']} @ {g['n']}×{g['n']} float64 product with numpy: "
            f"{mm(g['seconds'])} s, **{g['gflops']:.1f} GFLOP/s**. "
            "Flops of a step: 6 × batch × Σ in×out.", "",
            "| sizes | batch | nntrain ms | torch ms | ratio | nntrain GFLOP/s (of GEMM) "
            "| torch GFLOP/s |", "|---|---|---|---|---|---|---|"]
    out += [f"| {'-'.join(map(str, x['sizes']))} | {x['batch']} | {mm(x['numpy_s'], scale=1e3)} "
            f"| {mm(x['torch_s'], scale=1e3)} | {mm(x['ratio'], '{:.2f}')} | "
            f"{x['numpy_gflops']:.1f} ({100 * x['numpy_gemm_frac']:.0f}%) | "
            f"{x['torch_gflops']:.1f} |" for x in r["mlp"]]
    b = r["bandwidth"]
    out += ["", "## 4. Optimizer steps, nntrain vs torch.optim (foreach=True), float64", "",
            f"Reference bandwidth ({b['array_mb']} MB arrays): `np.copyto` "
            f"{b['copy_gbs']:.1f} GB/s, `a += b` {b['add_gbs']:.1f} GB/s; the larger, "
            f"**{b['gbs']:.1f} GB/s**, is the "
            "reference. Bytes per step: Adam reads p, g, m, v and writes p, m, v (7 × 8 bytes "
            "per parameter); SGD with momentum reads p, g, buf and writes p, buf (5 × 8).", "",
            "| optimizer | parameters | MB moved | nntrain ms | torch ms | ratio | "
            "nntrain GB/s (of bandwidth) | torch GB/s |", "|---|---|---|---|---|---|---|---|"]
    out += [f"| {x['optimizer']} | {x['params']:,} in {x['tensors']} | "
            f"{x['bytes_per_step'] / 1e6:.0f} | {mm(x['numpy_s'], scale=1e3)} | "
            f"{mm(x['torch_s'], scale=1e3)} | {mm(x['ratio'], '{:.2f}')} | "
            f"{x['numpy_gbs']:.1f} ({100 * x['numpy_bw_frac']:.0f}%) | {x['torch_gbs']:.1f} |"
            for x in r["optim"]]
    prof = r.get("sgd_profile")
    if prof:
        sgd = next(x for x in r["optim"]
                   if x["optimizer"].startswith("SGD") and x["params"] == 10_000_000)
        names = list(prof)
        out += ["", "Where the SGD-momentum step's time goes (10M parameters in 4 tensors; "
                "each part timed alone, summed over the tensors):", "",
                "| part | ms |", "|---|---|"]
        out += [f"| {k} | {v * 1e3:.2f} |" for k, v in prof.items()]
        out += ["", f"The check and the update add up to "
                f"{(prof[names[0]] + prof[names[1]]) * 1e3:.1f} ms of the whole step's "
                f"{sgd['numpy_s']['median'] * 1e3:.1f} ms. Each line of the update "
                "(scale the buffer, add the gradient, multiply by the rate into a work "
                "array, subtract) is one numpy call. Over whole arrays each call is a "
                "pass through main memory: 2 + 3 + 2 + 3 = 10 array-lengths of traffic, "
                "against 2 + 3 + 3 = 8 for torch's foreach step, which fuses the last two. "
                "`SGD.update` therefore works in cache-sized blocks (`optim.base.blocks`), "
                "so main memory sees each array once: p, g and the buffer read, p and the "
                f"buffer written. That took the update from {prof[names[2]] * 1e3:.1f} ms "
                f"to {prof[names[1]] * 1e3:.1f} ms, with the same bits. What remains is "
                "Python's cost per block and the finiteness check, one more read of g, "
                "which torch does not make."]
    out += ["", "## 5. Backprop vs central differences (`calculus.gradient`), same gradient", "",
            "Batch 32, tanh MLP. Backprop: forward + backward; differences: 2P forward passes.",
            "", "| sizes | P | backprop ms | differences ms | ratio | rel. error |",
            "|---|---|---|---|---|---|"]
    out += [f"| {'-'.join(map(str, x['sizes']))} | {x['params']} | "
            f"{mm(x['backprop_s'], scale=1e3)} | {mm(x['fd_s'], scale=1e3)} | "
            f"{mm(x['ratio'], '{:.0f}')} | {x['rel_error']:.1e} |" for x in r["backprop"]]
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--chapters", default="all", help="all, none, or prefixes: 06,07")
    ap.add_argument("--full", action="store_true", help="also time make book and make test")
    ap.add_argument("--reuse-full", action="store_true",
                    help="keep section 2 (make test, make book) from the last results.json; it names "
                         "the commit it timed")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks")
    args = ap.parse_args()
    r = dict(date=time.strftime("%Y-%m-%d %H:%M"), runs=args.runs, repeats=args.repeats,
             machine=machine(args.threads))
    print("chapters ...")
    r["chapters"] = bench_chapters(args.chapters, args.repeats)
    with cpu_threads(args.threads):
        print("GEMM, bandwidth ...")
        r["gemm"], r["bandwidth"] = bench_gemm(args.runs), bench_bandwidth(args.runs)
        print("MLP steps ...")
        r["mlp"] = bench_mlp(args.runs, args.threads, r["gemm"]["gflops"])
        print("optimizers ...")
        r["optim"] = bench_optim(args.runs, r["bandwidth"]["gbs"])
        r["sgd_profile"] = profile_sgd(args.runs)
        print("backprop vs differences ...")
        r["backprop"] = bench_backprop(args.runs)
    if args.full:
        r["full"] = bench_full()
    elif args.reuse_full and (args.out / "results.json").is_file():
        r["full"] = json.loads((args.out / "results.json").read_text()).get("full")
    else:
        r["full"] = None
    wide = r["mlp"][-1]
    big = {x["optimizer"]: x["ratio"]["median"] for x in r["optim"] if x["params"] == 10_000_000}
    ratio_ok = wide["ratio"]["median"] <= TARGETS["mlp_ratio"]
    gemm_ok = wide["numpy_gemm_frac"] >= TARGETS["mlp_gemm_frac"]
    t = TARGETS
    r["targets"] = {
        f"every chapter ≤ {t['chapter_s']:.0f} s and peak ≤ {t['chapter_mb'] / 1024:.1f} GB":
            all(c["met"] for c in r["chapters"]) if r["chapters"] else None,
        f"make test ≤ {t['test_s'] / 60:.0f} min on a fresh clone, installs included":
            r["full"]["test_met"] if r["full"] else None,
        f"MLP step (784-1024-1024-10) ≤ {t['mlp_ratio']}× torch": ratio_ok,
        f"MLP step ≥ {100 * t['mlp_gemm_frac']:.0f}% of single-GEMM GFLOP/s": gemm_ok,
        f"Adam step ≤ {t['optim_ratio']}× torch foreach (10M)": big["Adam"] <= t["optim_ratio"],
        f"SGD-momentum step ≤ {t['optim_ratio']}× torch foreach (10M)":
            big["SGD momentum 0.9"] <= t["optim_ratio"],
    }
    args.out.mkdir(exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(r, indent=1, ensure_ascii=False) + "\n")
    (args.out / "results.md").write_text(report(r))
    print(report(r))


if __name__ == "__main__":
    main()
