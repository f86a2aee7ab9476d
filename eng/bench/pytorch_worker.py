#!/usr/bin/env python3
"""The PyTorch side of eng/bench: the same models, data and initial weights as the .NET sides.

Modes (all take --threads N):
  --worker                      serve JSON requests on stdin, one JSON reply per line on stdout
  --coldstart DIR               process start to the first prediction of DIR/model.pt (an MLP state_dict)
  --train-once DIR EPOCHS STEPS train EPOCHS epochs of STEPS steps, report resident memory

The .NET suite writes each model's data and weights to DIR (manifest.json plus raw little-endian arrays).
"""
import json
import sys
import time


def parse_args(argv):
    opts = {"threads": 1, "mode": None, "rest": []}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--threads":
            opts["threads"] = int(argv[i + 1])
            i += 2
            continue
        if a in ("--worker", "--coldstart", "--train-once"):
            opts["mode"] = a
        else:
            opts["rest"].append(a)
        i += 1
    return opts


def rss_mib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def setup_torch(threads):
    import torch
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    # Keras.Net flushes denormals (and so does its hand-written TorchSharp side, in the same process).
    torch.set_flush_denormal(True)
    return torch


def build(torch, manifest):
    nn = torch.nn
    F = torch.nn.functional
    kind = manifest["model"]

    class Mlp(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.fc3 = nn.Linear(784, 512), nn.Linear(512, 256), nn.Linear(256, 10)
            self.ordered = [self.fc1.weight, self.fc1.bias, self.fc2.weight, self.fc2.bias, self.fc3.weight, self.fc3.bias]

        def forward(self, x):
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    class Cnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
            self.fc1, self.fc2 = nn.Linear(1600, 128), nn.Linear(128, 10)
            self.ordered = [self.conv1.weight, self.conv1.bias, self.conv2.weight, self.conv2.bias,
                            self.fc1.weight, self.fc1.bias, self.fc2.weight, self.fc2.bias]

        def forward(self, x):
            h = F.max_pool2d(F.relu(self.conv1(x)), 2)
            h = F.max_pool2d(F.relu(self.conv2(h)), 2)
            h = F.dropout(h.flatten(1), 0.3, self.training)
            return self.fc2(F.relu(self.fc1(h)))

    class TextLstm(nn.Module):
        def __init__(self, vocab, units):
            super().__init__()
            self.emb = nn.Embedding(vocab, units)
            self.lstm = nn.LSTM(units, units, batch_first=True)
            self.fc = nn.Linear(units, 1)
            self.ordered = [self.emb.weight, self.lstm.weight_ih_l0, self.lstm.weight_hh_l0,
                            self.lstm.bias_ih_l0, self.lstm.bias_hh_l0, self.fc.weight, self.fc.bias]

        def forward(self, x):
            out, _ = self.lstm(self.emb(x))
            return self.fc(out[:, -1, :])

    if kind == "mlp":
        return Mlp(), F.cross_entropy, lambda z: F.softmax(z, 1)
    if kind == "cnn":
        return Cnn(), F.cross_entropy, lambda z: F.softmax(z, 1)
    if kind == "lstm":
        return TextLstm(manifest["vocab"], manifest["units"]), F.binary_cross_entropy_with_logits, torch.sigmoid
    raise ValueError("unknown model " + kind)


def load_array(np, d, spec):
    dtype = np.float32 if spec["dtype"] == "float32" else np.int64
    return np.fromfile(d + "/" + spec["file"], dtype=dtype).reshape(spec["shape"])


class Entry:
    def __init__(self, torch, np, d):
        with open(d + "/manifest.json") as f:
            self.manifest = json.load(f)
        m = self.manifest
        self.torch = torch
        self.model, self.loss, self.probs = build(torch, m)
        with torch.no_grad():
            for p, spec in zip(self.model.ordered, m["params"]):
                p.copy_(torch.from_numpy(load_array(np, d, spec)))
        self.x_np = load_array(np, d, m["x"])
        self.x = torch.from_numpy(self.x_np)
        self.y = torch.from_numpy(load_array(np, d, m["y"]))
        self.batch = m["batch"]
        self.opt = torch.optim.Adam(self.model.parameters(), lr=m["lr"], betas=(0.9, 0.999), eps=m["eps"])
        self.gen = torch.Generator().manual_seed(1235)

    def train(self, offset, count):
        torch = self.torch
        self.model.train()
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(count, generator=self.gen) + offset
        total = 0.0
        for b in range(0, count, self.batch):
            idx = perm[b:b + self.batch]
            loss = self.loss(self.model(self.x.index_select(0, idx)), self.y.index_select(0, idx))
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += loss.item() * len(idx)
        return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "loss": total / count}

    def predict(self, batch, calls):
        # As a service would: a NumPy array in, probabilities back as NumPy.
        torch = self.torch
        self.model.eval()
        x = self.x_np[:batch].copy()
        lat = []
        with torch.no_grad():
            for _ in range(calls):
                t0 = time.perf_counter()
                self.probs(self.model(torch.from_numpy(x))).numpy()
                lat.append((time.perf_counter() - t0) * 1e6)
        self.model.train()
        return {"us": lat}

    def output(self):
        torch = self.torch
        self.model.eval()
        with torch.no_grad():
            out = self.probs(self.model(torch.from_numpy(self.x_np[:1].copy()))).numpy()[0]
        self.model.train()
        return {"values": [float(v) for v in out]}


def blas_library():
    try:
        with open("/proc/self/maps") as f:
            names = {line.split()[-1].rsplit("/", 1)[-1] for line in f if "blas" in line.lower() and "/" in line}
        return ", ".join(sorted(names)) or "none mapped"
    except OSError:
        return "unknown"


def gemm(torch, m, k, n):
    a, b = torch.randn(m, k), torch.randn(k, n)
    for _ in range(3):
        a @ b
    reps = max(3, int(0.3e9 / (2.0 * m * k * n)))
    best = 0.0
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            a @ b
        best = max(best, 2.0 * m * k * n * reps / (time.perf_counter() - t0) / 1e9)
    return {"gflops": best}


def worker(threads):
    try:
        import numpy as np
        torch = setup_torch(threads)
        torch.randn(64, 64) @ torch.randn(64, 64)  # maps the BLAS library
    except Exception as e:  # noqa: BLE001 - report any import problem to the suite, which then skips PyTorch
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}), flush=True)
        return 0
    print(json.dumps({"ok": True, "torch": torch.__version__, "blas": blas_library()}), flush=True)
    entries = {}
    for line in sys.stdin:
        try:
            req = json.loads(line)
            cmd = req["cmd"]
            if cmd == "quit":
                break
            if cmd == "load":
                entries[req["name"]] = Entry(torch, np, req["dir"])
                reply = {}
            elif cmd == "train":
                reply = entries[req["name"]].train(int(req["offset"]), int(req["count"]))
            elif cmd == "predict":
                reply = entries[req["name"]].predict(int(req["batch"]), int(req["calls"]))
            elif cmd == "output":
                reply = entries[req["name"]].output()
            elif cmd == "gemm":
                reply = gemm(torch, int(req["m"]), int(req["k"]), int(req["n"]))
            elif cmd == "save":
                torch.save(entries[req["name"]].model.state_dict(), req["path"])
                reply = {}
            else:
                raise ValueError("unknown command " + cmd)
            reply["ok"] = True
        except Exception as e:  # noqa: BLE001 - every failure goes back to the suite as a reply
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)
    return 0


def coldstart(threads, d):
    import torch
    torch.set_num_threads(threads)
    manifest = {"model": "mlp"}
    model, _, probs = build(torch, manifest)
    model.load_state_dict(torch.load(d + "/model.pt"))
    model.eval()
    with torch.no_grad():
        out = probs(model(torch.full((1, 784), 0.5))).numpy()[0]
    print("first_prediction " + " ".join(f"{v:.6f}" for v in out[:3]), flush=True)
    print(f"peak_rss_mib={rss_mib('VmHWM'):.1f}", flush=True)
    return 0


def train_once(threads, d, epochs, steps):
    import numpy as np
    torch = setup_torch(threads)
    e = Entry(torch, np, d)
    count = min(int(e.x.shape[0]), steps * e.batch)
    print(f"rss_setup_mib={rss_mib('VmRSS'):.1f}", flush=True)
    t0 = time.perf_counter()
    for i in range(epochs):
        e.train(0, count)
        print(f"rss_epoch_{i + 1}_mib={rss_mib('VmRSS'):.1f}", flush=True)
    print(f"seconds={time.perf_counter() - t0:.3f}", flush=True)
    print(f"peak_rss_mib={rss_mib('VmHWM'):.1f}", flush=True)
    return 0


def main():
    o = parse_args(sys.argv[1:])
    if o["mode"] == "--worker":
        return worker(o["threads"])
    if o["mode"] == "--coldstart":
        return coldstart(o["threads"], o["rest"][0])
    if o["mode"] == "--train-once":
        return train_once(o["threads"], o["rest"][0], int(o["rest"][1]), int(o["rest"][2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
