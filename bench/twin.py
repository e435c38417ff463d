#!/usr/bin/python3
"""PyTorch twin of sftpg's 2-D training loops, for `./sftpg bench` (throughput only, never correctness).

It builds the same networks, batch sizes and loops as sftpg from a spec that `sftpg bench` writes: the resolved
configuration (what `./sftpg config --config NAME` prints) plus the numbers derived from it (alpha-bar of the T-step
schedule, the policy sampler's record tau/a/b/s, the tail-baseline start step, the training set and the policy's
initial weights in sftpg's flat layout).

  pretrain: DDPM noise-prediction steps (batch pretrain.batchSize, epochs over the training set, antithetic t,
            MSE, global-norm clip, Adam or RMSprop, EMA) -> optimiser steps/s.
  finetune: SFT-PG in one thread as the reference runs it: per batch a rollout of B trajectories keeping every
            state, a value step and a critic step coupled through the non-detached f(x0) in the value loss; every
            nCritic batches nGenerator policy-gradient minibatches from the buffered transitions (advantage
            f(x0) - V(x_i, i), or f of the noise-free continuation on the tail steps) -> critic steps/s.

Run with Debian's PyTorch (/usr/bin/python3, package python3-torch) and an optimised BLAS behind it: Debian's
torch calls whatever libblas.so.3 the alternatives system points at, and the netlib reference BLAS it falls back
to is ~25x slower at these sizes (apt-get install libopenblas0-pthread). Standalone (the spec from
`./sftpg bench [--config NAME] --twin-spec SPEC.json`):
    /usr/bin/python3 bench/twin.py --spec SPEC.json --mode pretrain --steps 2000 --repeats 5
With --serve it warms up, prints "ready ...", then runs one repeat per "run" line on stdin and answers
"rate R" (so sftpg can alternate its own repeats with the twin's in one invocation).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

if __name__ == "__main__":
    # OpenBLAS reads its thread count when loaded, before torch.set_num_threads can tell it
    _t = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv[:-1] else "1"
    os.environ.setdefault("OPENBLAS_NUM_THREADS", _t)
    os.environ.setdefault("OMP_NUM_THREADS", _t)

import torch
import torch.nn.functional as F


class CondMlp(torch.nn.Module):
    """sftpg's ConditionalMlp: hidden layers act((h W + b) * gamma(t)), gamma from sinusoidal features times G
    (+ a bias starting at 1) or a learned per-step row (nn.Embedding, the reference's ConditionalLinear)."""

    def __init__(self, dim_in, hidden, layers, dim_out, act, cond=None, cond_out=False):
        super().__init__()
        widths = [dim_in] + [hidden] * layers + [dim_out]
        self.lin = torch.nn.ModuleList(torch.nn.Linear(widths[i], widths[i + 1]) for i in range(layers + 1))
        self.act = act
        self.cond = cond  # None, ("sinusoidal", features, max_period) or ("onehot", steps)
        n_cond = layers + (1 if cond_out else 0) if cond else 0
        self.conditioned = [i < n_cond for i in range(layers + 1)]
        if cond and cond[0] == "sinusoidal":
            c = cond[1]
            self.g = torch.nn.ParameterList(torch.nn.Parameter(torch.randn(c, widths[i + 1]) * (0.1 / math.sqrt(c)))
                                            for i in range(n_cond))
            self.g_bias = torch.nn.ParameterList(torch.nn.Parameter(torch.ones(widths[i + 1])) for i in range(n_cond))
            half = c // 2
            self.register_buffer("freqs", torch.exp(-math.log(cond[2]) * torch.arange(half, dtype=torch.float32) / half))
        elif cond:
            self.emb = torch.nn.ModuleList(torch.nn.Embedding(cond[1], widths[i + 1]) for i in range(n_cond))
            for e in self.emb:
                e.weight.data.uniform_()

    def forward(self, x, t=None):
        feats = None
        if self.cond and self.cond[0] == "sinusoidal":
            arg = t.float()[:, None] * self.freqs[None, :]
            feats = torch.cat([torch.sin(arg), torch.cos(arg)], dim=1)
        h = x
        last = len(self.lin) - 1
        for i, lin in enumerate(self.lin):
            h = lin(h)
            if self.conditioned[i]:
                if feats is not None:
                    h = h * torch.addmm(self.g_bias[i], feats, self.g[i])
                else:
                    h = h * self.emb[i](t)
            if i < last:
                h = self.act(h)
        return h

    def load_flat(self, flat):
        """sftpg's flat layout: per layer w [in, out], b [1, out], gamma [c, out], gammaBias [1, out]."""
        flat = torch.tensor(flat, dtype=torch.float32)
        at = 0

        def take(shape):
            nonlocal at
            n = shape[0] * shape[1]
            v = flat[at:at + n].view(*shape)
            at += n
            return v

        with torch.no_grad():
            for i, lin in enumerate(self.lin):
                lin.weight.copy_(take((lin.in_features, lin.out_features)).t())
                lin.bias.copy_(take((1, lin.out_features)).view(-1))
                if self.conditioned[i]:
                    if self.cond[0] == "sinusoidal":
                        self.g[i].copy_(take(tuple(self.g[i].shape)))
                        self.g_bias[i].copy_(take((1, self.g_bias[i].shape[0])).view(-1))
                    else:
                        self.emb[i].weight.copy_(take(tuple(self.emb[i].weight.shape)))
        if at != flat.numel():
            raise ValueError(f"policy weights: used {at} of {flat.numel()} values (layouts differ)")


def epsilon_net(spec):
    c, dim = spec["config"], spec["dim"]
    m = c["model"]
    if m["kind"] == "reference-toy":
        cond = ("onehot", c["diffusion"]["steps"])
    else:
        cond = ("sinusoidal", m["timeEmbedding"], 10000.0)
    return CondMlp(dim, m["hidden"], m["layers"], dim, F.softplus, cond)


def optimiser(kind, params, lr):
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.99, eps=1e-8)
    return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)


class Pretrain:
    def __init__(self, spec):
        c = spec["config"]
        p = c["pretrain"]
        self.data = torch.tensor(spec["data"], dtype=torch.float32).view(-1, spec["dim"])
        ab = torch.tensor(spec["alphaBar"], dtype=torch.float32)
        self.sqrt_ab, self.sqrt_1m = ab.sqrt(), (1 - ab).sqrt()
        self.T = ab.numel()
        self.batch = p["batchSize"]
        self.net = epsilon_net(spec)
        self.opt = optimiser(p["optimizer"], self.net.parameters(), p["lr"])
        self.clip = p["gradClip"]
        self.ema_mu = p["ema"]
        self.antithetic = p["antithetic"]
        self.ema = [q.detach().clone() for q in self.net.parameters()] if self.ema_mu > 0 else None
        self.perm, self.at = torch.randperm(self.data.shape[0]), 0

    def indices(self, n):
        out = []
        while n > 0:
            if self.at == self.perm.numel():
                self.perm, self.at = torch.randperm(self.data.shape[0]), 0
            k = min(n, self.perm.numel() - self.at)
            out.append(self.perm[self.at:self.at + k])
            self.at += k
            n -= k
        return torch.cat(out) if len(out) > 1 else out[0]

    def step(self):
        b = self.batch
        x0 = self.data[self.indices(b)]
        if self.antithetic:
            half = b // 2 + 1
            t1 = torch.randint(0, self.T, (half,))
            t = torch.cat([t1, self.T - 1 - t1[:b - half]])
        else:
            t = torch.randint(0, self.T, (b,))
        eps = torch.randn_like(x0)
        xt = self.sqrt_ab[t, None] * x0 + self.sqrt_1m[t, None] * eps
        loss = F.mse_loss(self.net(xt, t), eps)
        self.opt.zero_grad()
        loss.backward()
        if self.clip > 0:
            torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.clip)
        self.opt.step()
        if self.ema is not None:
            with torch.no_grad():
                for s, q in zip(self.ema, self.net.parameters()):
                    s.mul_(self.ema_mu).add_(q, alpha=1 - self.ema_mu)


class Finetune:
    def __init__(self, spec):
        c = spec["config"]
        ft = c["finetune"]
        dim = spec["dim"]
        self.dim = dim
        self.data = torch.tensor(spec["data"], dtype=torch.float32).view(-1, dim)
        rec = spec["sampler"]
        self.tau = [float(v) for v in rec["tau"]]
        self.a, self.b, self.s = rec["a"], rec["b"], rec["s"]
        self.S = len(self.tau)
        self.tail_from = spec["tailFrom"]
        self.B = ft["batchSize"]
        self.n_critic, self.n_gen = ft["nCritic"], ft["nGenerator"]
        self.lam, self.clip = ft["lambda"], ft["gradClip"]
        self.sum_logp = c["sampler"]["logProb"] == "sum"
        self.policy = epsilon_net(spec)
        self.policy.load_flat(spec["policyWeights"])
        self.onehot_policy = c["model"]["kind"] == "reference-toy"
        cr, va = c["critic"], c["value"]
        self.f = CondMlp(dim, cr["hidden"], cr["layers"], 1, F.relu)
        self.v = CondMlp(dim, va["hidden"], va["layers"], 1, F.relu, ("onehot", self.S), cond_out=True)
        for lin in list(self.v.lin)[:]:
            torch.nn.init.xavier_normal_(lin.weight)
        self.opt_p = torch.optim.Adam(self.policy.parameters(), lr=ft["lr"])
        self.opt_f = torch.optim.Adam(self.f.parameters(), lr=ft["criticLr"])
        self.opt_v = torch.optim.Adam(self.v.parameters(), lr=ft["valueLr"])
        self.buffer = []
        self.batches = 0
        self.perm, self.at = torch.randperm(self.data.shape[0]), 0
        self.step_idx = torch.arange(self.S).repeat_interleave(self.B)
        self.a_t = torch.tensor(self.a, dtype=torch.float32)
        self.b_t = torch.tensor(self.b, dtype=torch.float32)
        self.s_t = torch.tensor(self.s, dtype=torch.float32)
        self.tau_t = torch.tensor(self.tau, dtype=torch.float32)

    def time_input(self, i, n):
        """The policy's time input for n rows at step i (an integer index for the per-step embedding)."""
        if self.onehot_policy:
            return torch.full((n,), int(round(self.tau[i])), dtype=torch.long)
        return torch.full((n,), self.tau[i])

    def time_rows(self, steps):
        return self.tau_t[steps].round().long() if self.onehot_policy else self.tau_t[steps]

    def real_batch(self, n):
        if self.at + n > self.perm.numel():
            self.perm, self.at = torch.randperm(self.data.shape[0]), 0
        idx = self.perm[self.at:self.at + n]
        self.at += n
        return self.data[idx]

    @torch.no_grad()
    def rollout(self):
        x = torch.randn(self.B, self.dim)
        states = [x]
        for i in range(self.S):
            x = self.a[i] * x + self.b[i] * self.policy(x, self.time_input(i, self.B)) + self.s[i] * torch.randn_like(x)
            states.append(x)
        return torch.stack(states)  # [S+1, B, dim]

    def critic_value_step(self, states):
        fake = states[-1]
        real = self.real_batch(self.B)
        out = self.f(torch.cat([real, fake]))
        f_real, f_fake = out[:self.B, 0], out[self.B:, 0]
        pred = self.v(states[:-1].reshape(-1, self.dim), self.step_idx)[:, 0]
        # the value loss S * mean (V - f(x0))^2, f(x0) not detached: it regularises the critic too
        value_loss = self.lam * self.S * ((pred - f_fake.repeat(self.S)) ** 2).mean()
        critic_loss = f_real.mean() - f_fake.mean()
        self.opt_f.zero_grad()
        self.opt_v.zero_grad()
        (critic_loss + value_loss).backward()
        self.opt_v.step()
        self.opt_f.step()

    @torch.no_grad()
    def noise_free(self, x, start):
        for i in range(start, self.S):
            x = self.a[i] * x + self.b[i] * self.policy(x, self.time_input(i, x.shape[0]))
        return x

    def policy_update(self):
        traj = torch.stack(self.buffer)  # [K, S+1, B, dim]
        K = traj.shape[0]
        total = K * self.S * self.B
        perm = torch.randperm(total)
        for m in range(self.n_gen):
            if m * self.B >= total:
                break
            idx = perm[m * self.B:(m + 1) * self.B]
            k, rem = idx // (self.S * self.B), idx % (self.S * self.B)
            i, r = rem // self.B, rem % self.B
            x, x_next, fin = traj[k, i, r], traj[k, i + 1, r], traj[k, self.S, r]
            with torch.no_grad():
                base = self.v(x, i)[:, 0]
                tail = i >= self.tail_from
                if bool(tail.any()):
                    ends = torch.empty_like(x)
                    for start in range(self.tail_from, self.S):
                        rows = (i == start).nonzero().view(-1)
                        if rows.numel():
                            ends[rows] = self.noise_free(x[rows], start)
                    rows = tail.nonzero().view(-1)
                    base[rows] = self.f(ends[rows])[:, 0]
                adv = self.f(fin)[:, 0] - base
            mean = self.a_t[i, None] * x + self.b_t[i, None] * self.policy(x, self.time_rows(i))
            s = self.s_t[i, None]
            logp = -0.5 * ((x_next - mean) / s) ** 2 - torch.log(s) - 0.5 * math.log(2 * math.pi)
            logp = logp.sum(1) if self.sum_logp else logp.mean(1)
            loss = (adv * logp).mean()
            self.opt_p.zero_grad()
            loss.backward()
            if self.clip > 0:
                torch.nn.utils.clip_grad_norm_(self.policy.parameters(), self.clip)
            self.opt_p.step()
        self.buffer.clear()

    def step(self):
        states = self.rollout()
        self.buffer.append(states)
        self.critic_value_step(states)
        self.batches += 1
        if self.batches % self.n_critic == 0:
            self.policy_update()


def blas():
    """The library behind Debian torch's libblas.so.3 (the alternatives system picks it)."""
    try:
        with open("/proc/self/maps") as fh:
            libs = {line.split()[-1] for line in fh if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    for lib in sorted(libs):
        real = os.path.realpath(lib)
        if "openblas" in real:
            return "OpenBLAS"
        if "mkl" in real:
            return "MKL"
        if "blis" in real:
            return "BLIS"
    return "netlib reference (slow: apt-get install libopenblas0-pthread)" if libs else "none found"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", required=True, help="JSON written by sftpg bench")
    ap.add_argument("--mode", choices=["pretrain", "finetune"], required=True)
    ap.add_argument("--steps", type=int, default=2000, help="optimiser (pretrain) or critic (finetune) steps per repeat")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (1 is the reference's fastest here)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--serve", action="store_true", help="one repeat per 'run' line on stdin")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    with open(a.spec) as fh:
        spec = json.load(fh)
    loop = Pretrain(spec) if a.mode == "pretrain" else Finetune(spec)

    def repeat(n):
        t0 = time.perf_counter()
        for _ in range(n):
            loop.step()
        return n / (time.perf_counter() - t0)

    repeat(max(1, a.steps // 4))  # warm-up, as sftpg's bench does
    desc = f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), BLAS {blas()}"
    if a.serve:
        print("ready " + desc, flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                break
            print(f"rate {repeat(a.steps):.3f}", flush=True)
        return
    rates = []
    for r in range(a.repeats):
        rates.append(repeat(a.steps))
        print(f"  repeat {r + 1}: {rates[-1]:.1f} steps/s", file=sys.stderr, flush=True)
    unit = "optimiser steps/s" if a.mode == "pretrain" else "critic steps/s"
    print(f"twin {a.mode} ({desc}): median {statistics.median(rates):.1f} {unit} "
          f"(min {min(rates):.1f}, max {max(rates):.1f} over {a.repeats} repeats)")


if __name__ == "__main__":
    main()
