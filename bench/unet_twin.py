#!/usr/bin/python3
"""PyTorch twin of sftpg's image UNet, for `./sftpg bench --unet` (throughput only, never correctness).

The network is sftpg's UNet (shared/src/main/java/dev/sftpg/nn/conv/UNet.java) layer for layer: a 3x3 stem conv;
per resolution level a residual block whose output is kept for the skip, then a 3x3 stride-2 conv down; two
residual blocks in the middle; per level on the way up the skip concatenated after the features on channels, a
residual block, then nearest x2 upsampling and a 3x3 conv; GroupNorm, SiLU and a 3x3 conv back to the image's
channels. A residual block is GroupNorm, SiLU, 3x3 conv, plus a linear projection of the time embedding per
channel, GroupNorm, SiLU, 3x3 conv, added to the input (through a 1x1 conv when the width changes). GroupNorm
uses the largest group count up to 8 that leaves at least 4 channels per group (GroupNorm.groupsFor), eps 1e-5.
The time embedding is SiLU(Linear(SiLU(Linear(sinusoidal features)))) with 4 x the first width, the features
[sin | cos] of t * 10000^(-k/half) (TimeConditioning.Sinusoidal, max period 10000).

The spec that `sftpg bench --unet` writes gives the architecture, sftpg's parameter count, names and shapes in
its flat layout, its initial weights and its output for a check input. The twin asserts the same parameter count,
loads the weights and compares outputs before it times anything, so a difference in the architecture stops it.

Timed loops, both as sftpg's side of the bench runs them:
  train:   one step = a fixed batch of images noised at random steps of the T = 1000 linear schedule
           (betas 1e-4 .. 0.02), the network's noise prediction, MSE against the noise, backward, Adam
           (PyTorch defaults, lr 2e-4, no clipping) -> training images/s.
  forward: one network evaluation of a batch (256 by default) without gradients, the cost of one sampler
           step per image -> images/s.

Run with Debian's PyTorch (/usr/bin/python3, package python3-torch). Standalone (the spec from
`./sftpg bench --unet [--widths 16,32,32] --twin-spec SPEC.json`):
    /usr/bin/python3 bench/unet_twin.py --spec SPEC.json --steps 10 --repeats 5 --threads 1
With --serve it warms up, prints "ready ...", then answers each "train" or "forward" line on stdin with
"rate R" (images/s of one repeat), so sftpg can alternate its repeats with the twin's in one invocation.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

if __name__ == "__main__":
    # thread pools read their size when loaded, before torch.set_num_threads can tell them
    _t = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv[:-1] else "1"
    os.environ.setdefault("OPENBLAS_NUM_THREADS", _t)
    os.environ.setdefault("OMP_NUM_THREADS", _t)

import torch
import torch.nn.functional as F
from torch import nn


def groups_for(channels):
    """GroupNorm.groupsFor: the largest group count up to 8 leaving at least 4 channels in every group."""
    for g in range(min(8, channels // 4), 1, -1):
        if channels % g == 0:
            return g
    return 1


class ResBlock(nn.Module):
    def __init__(self, cin, cout, tf):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups_for(cin), cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time = nn.Linear(tf, cout)
        self.norm2 = nn.GroupNorm(groups_for(cout), cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time(temb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (x if self.skip is None else self.skip(x))

    def names(self, prefix):
        out = {prefix + ".norm1": self.norm1, prefix + ".conv1": self.conv1, prefix + ".time": self.time,
               prefix + ".norm2": self.norm2, prefix + ".conv2": self.conv2}
        if self.skip is not None:
            out[prefix + ".skip"] = self.skip
        return out


class UNet(nn.Module):
    def __init__(self, channels, height, width, widths, time_embedding):
        super().__init__()
        self.shape = (channels, height, width)
        self.levels = len(widths)
        tf = 4 * widths[0]
        half = time_embedding // 2
        # the frequencies and the features in double, as sftpg computes them, then float
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / half))
        self.time_l0 = nn.Linear(time_embedding, tf)
        self.time_l1 = nn.Linear(tf, tf)
        self.stem = nn.Conv2d(channels, widths[0], 3, padding=1)
        self.down, self.pool = nn.ModuleList(), nn.ModuleList()
        c = widths[0]
        for l, w in enumerate(widths):
            self.down.append(ResBlock(c, w, tf))
            c = w
            if l < self.levels - 1:
                self.pool.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
        self.mid = nn.ModuleList([ResBlock(c, c, tf), ResBlock(c, c, tf)])
        self.up, self.up_conv = nn.ModuleList(), nn.ModuleList()
        for l in reversed(range(self.levels)):
            self.up.append(ResBlock(c + widths[l], widths[l], tf))
            c = widths[l]
            if l > 0:
                self.up_conv.append(nn.Conv2d(c, c, 3, padding=1))
        self.out_norm = nn.GroupNorm(groups_for(c), c, eps=1e-5)
        self.out_conv = nn.Conv2d(c, channels, 3, padding=1)

    def forward(self, x, t):
        b = x.shape[0]
        arg = t.double()[:, None] * self.freqs[None, :]
        feats = torch.cat([torch.sin(arg), torch.cos(arg)], dim=1).float()
        temb = F.silu(self.time_l1(F.silu(self.time_l0(feats))))
        h = self.stem(x.view(b, *self.shape))
        skips = []
        for l in range(self.levels):
            h = self.down[l](h, temb)
            skips.append(h)
            if l < self.levels - 1:
                h = self.pool[l](h)
        h = self.mid[1](self.mid[0](h, temb), temb)
        for i in range(self.levels):
            l = self.levels - 1 - i
            h = self.up[i](torch.cat([h, skips[l]], dim=1), temb)
            if l > 0:
                h = self.up_conv[i](F.interpolate(h, scale_factor=2, mode="nearest"))
        h = self.out_conv(F.silu(self.out_norm(h)))
        return h.reshape(b, -1)

    def modules_by_sftpg_name(self):
        """sftpg's layer names (UNet.java) -> the module holding that layer's parameters."""
        out = {"time.l0": self.time_l0, "time.l1": self.time_l1, "stem": self.stem}
        for l in range(self.levels):
            out.update(self.down[l].names(f"down{l}"))
            if l < self.levels - 1:
                out[f"down{l}.pool"] = self.pool[l]
        out.update(self.mid[0].names("mid0"))
        out.update(self.mid[1].names("mid1"))
        for i in range(self.levels):
            l = self.levels - 1 - i
            out.update(self.up[i].names(f"up{l}"))
            if l > 0:
                out[f"up{l}.conv"] = self.up_conv[i]
        out["out.norm"] = self.out_norm
        out["out.conv"] = self.out_conv
        return out

    def load_sftpg(self, layout, flat):
        """sftpg's flat layout: per parameter its name and shape, in order. Dense weights are [in, out] there
        (nn.Linear keeps [out, in]), biases [1, out]; conv weights [out, in, k, k] in both."""
        modules = self.modules_by_sftpg_name()
        flat = torch.tensor(flat, dtype=torch.float32)
        at, seen = 0, set()
        with torch.no_grad():
            for name, shape in layout:
                n = math.prod(shape)
                v = flat[at:at + n].view(*shape)
                at += n
                layer, kind = name.rsplit(".", 1)
                m = modules[layer]
                if isinstance(m, nn.Linear):
                    target, v = (m.weight, v.t()) if kind == "w" else (m.bias, v.reshape(-1))
                elif isinstance(m, nn.GroupNorm):
                    target = m.weight if kind == "gain" else m.bias
                else:
                    target = m.weight if kind == "w" else m.bias
                if tuple(target.shape) != tuple(v.shape):
                    raise ValueError(f"{name}: sftpg shape {list(shape)}, twin shape {list(target.shape)}")
                target.copy_(v)
                seen.add(id(target))
        missing = [n for n, p in self.named_parameters() if id(p) not in seen]
        if at != flat.numel() or missing:
            raise ValueError(f"layouts differ: used {at} of {flat.numel()} values; twin parameters not set: {missing}")


class Bench:
    def __init__(self, spec, train_batch, forward_batch):
        a = spec["architecture"]
        self.net = UNet(a["channels"], a["height"], a["width"], a["widths"], a["timeEmbedding"])
        ours = sum(p.numel() for p in self.net.parameters())
        if ours != spec["parameters"]:
            raise SystemExit(f"unet_twin: {ours:,} parameters against sftpg's {spec['parameters']:,}: the architectures differ")
        self.parameters = ours
        self.net.load_sftpg([(p["name"], p["shape"]) for p in spec["layout"]], spec["weights"])
        self.check_diff = self.check(spec["check"])
        dim = a["channels"] * a["height"] * a["width"]
        betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
        ab = torch.cumprod(1 - betas, 0)
        self.sqrt_ab, self.sqrt_1m = ab.sqrt().float(), (1 - ab).sqrt().float()
        self.x0 = torch.rand(train_batch, dim) * 2 - 1
        self.xf = torch.randn(forward_batch, dim)
        self.tf = torch.randint(0, 1000, (forward_batch,)).float()
        self.opt = torch.optim.Adam(self.net.parameters(), lr=2e-4)

    def check(self, c):
        """Max |twin - sftpg| over sftpg's output for the check input, relative to the output's max |value|."""
        x = torch.tensor(c["x"], dtype=torch.float32).view(c["batch"], -1)
        t = torch.tensor(c["tau"], dtype=torch.float32)
        want = torch.tensor(c["y"], dtype=torch.float32).view(c["batch"], -1)
        with torch.no_grad():
            got = self.net(x, t)
        diff = ((got - want).abs().max() / want.abs().max()).item()
        if not diff < 1e-4:
            raise SystemExit(f"unet_twin: outputs differ from sftpg's by {diff:.2e} (relative) with the same weights")
        return diff

    def train_step(self):
        t = torch.randint(0, 1000, (self.x0.shape[0],))
        eps = torch.randn_like(self.x0)
        xt = self.sqrt_ab[t, None] * self.x0 + self.sqrt_1m[t, None] * eps
        loss = F.mse_loss(self.net(xt, t.float()), eps)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()

    def forward(self):
        with torch.no_grad():
            self.net(self.xf, self.tf)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", required=True, help="JSON written by sftpg bench --unet --twin-spec")
    ap.add_argument("--steps", type=int, default=10, help="training steps per repeat")
    ap.add_argument("--forwards", type=int, default=5, help="forward batches per repeat")
    ap.add_argument("--train-batch", type=int, default=64)
    ap.add_argument("--forward-batch", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--serve", action="store_true", help="one repeat per 'train' or 'forward' line on stdin")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    with open(a.spec) as fh:
        spec = json.load(fh)
    bench = Bench(spec, a.train_batch, a.forward_batch)

    def train(n):
        t0 = time.perf_counter()
        for _ in range(n):
            bench.train_step()
        return n * a.train_batch / (time.perf_counter() - t0)

    def forward(n):
        t0 = time.perf_counter()
        for _ in range(n):
            bench.forward()
        return n * a.forward_batch / (time.perf_counter() - t0)

    train(max(1, a.steps // 4))  # warm-up, as sftpg's side does
    forward(max(1, a.forwards // 4))
    desc = (f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), {bench.parameters:,} parameters, "
            f"outputs within {bench.check_diff:.1e} of sftpg's")
    if a.serve:
        print("ready " + desc, flush=True)
        for line in sys.stdin:
            what = line.strip()
            if what == "train":
                print(f"rate {train(a.steps):.3f}", flush=True)
            elif what == "forward":
                print(f"rate {forward(a.forwards):.3f}", flush=True)
            else:
                break
        return
    tr, fw = [], []
    for r in range(a.repeats):
        tr.append(train(a.steps))
        fw.append(forward(a.forwards))
        print(f"  repeat {r + 1}: train {tr[-1]:.1f} images/s, forward {fw[-1]:.1f} images/s", file=sys.stderr, flush=True)
    print(f"unet twin ({desc}): train median {statistics.median(tr):.1f} images/s (batch {a.train_batch}), "
          f"forward median {statistics.median(fw):.1f} images/s (batch {a.forward_batch}), {a.repeats} repeats")


if __name__ == "__main__":
    main()
