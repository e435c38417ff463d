package dev.sftpg.sampler;

import dev.sftpg.nn.Network;
import dev.sftpg.schedule.NoiseSchedule;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * DPM-Solver (Lu et al. 2022): deterministic few-step solvers of the diffusion probability-flow ODE for a
 * noise-prediction network, on the discrete-time DDPM seen in continuous time ({@link DiscreteVp}: t from 1 down to
 * 1/N). With h = lambda_t - lambda_s the exact solution is
 * <pre>x_t = (alpha_t / alpha_s) x_s - alpha_t * integral_{lambda_s}^{lambda_t} e^(-lambda) eps(x_lambda, lambda) d lambda</pre>
 * and the solvers expand eps in lambda:
 * <ul>
 * <li>{@link #singlestep} DPM-Solver-2 and -3 (the paper's Algorithms 1 and 2, r1 = 1/2 and r1 = 1/3, r2 = 2/3),
 * evaluating the network at intermediate times, with a budget of NFE network calls split as the paper's
 * "DPM-Solver-fast": order 3 takes K = NFE/3 + 1 steps, (K - 1) of order 3 and the rest of orders 2 and 1; order 2
 * takes NFE/2 steps of order 2, plus one of order 1 for an odd budget. Order 1 is DDIM.</li>
 * <li>{@link #multistep} DPM-Solver++(2M) (Lu et al. 2022b): the data prediction x0 = (x - sigma eps) / alpha,
 * one first-order step and then second-order steps reusing the previous step's prediction, one network call per
 * step; below 10 steps the last one is first order.</li>
 * </ul>
 * The step times are uniform in lambda (the paper's choice for discrete-time models at few steps) or uniform in t.
 * The result is x at t = 1/N, the first discrete step, as the paper's discrete-time recipe ends; no extra
 * denoising call to t = 0.
 */
public final class DpmSolver implements Sampler {

    /** How the step times are spaced between t = 1 and t = 1/N. */
    public enum Spacing {
        /** Uniform in lambda (half the log-SNR); the default. */
        LOG_SNR,
        /** Uniform in t (the official code's 'time_uniform'). */
        TIME_UNIFORM
    }

    private static final double R1_2 = 0.5, R1_3 = 1.0 / 3.0, R2_3 = 2.0 / 3.0;

    private final String name;
    private final DiscreteVp vp;
    private final double[] times;
    private final int[] orders;
    private final boolean multistep;
    private final int nfe;

    private DpmSolver(String name, DiscreteVp vp, double[] times, int[] orders, boolean multistep) {
        if (times.length != orders.length + 1) throw new IllegalStateException("times and orders disagree");
        this.name = name;
        this.vp = vp;
        this.times = times;
        this.orders = orders;
        this.multistep = multistep;
        this.nfe = multistep ? orders.length : Arrays.stream(orders).sum();
    }

    /**
     * Singlestep DPM-Solver of the given order (1, 2 or 3) spending exactly {@code nfe} network calls, as the paper's
     * DPM-Solver-fast mixes orders: e.g. order 3 at 10 NFE takes 4 steps of orders 3, 3, 3, 1.
     */
    public static DpmSolver singlestep(NoiseSchedule schedule, int order, int nfe, Spacing spacing) {
        return singlestep("dpm-solver-" + order + "-" + nfe + suffix(spacing), schedule, singlestepOrders(order, nfe), spacing);
    }

    /** Singlestep DPM-Solver with every one of {@code steps} steps of the same order (order x steps network calls). */
    static DpmSolver singlestepFixed(NoiseSchedule schedule, int order, int steps, Spacing spacing) {
        if (order < 1 || order > 3) throw new IllegalArgumentException("DPM-Solver order must be 1, 2 or 3, got " + order);
        if (steps < 1) throw new IllegalArgumentException("DPM-Solver needs at least one step, got " + steps);
        int[] orders = new int[steps];
        Arrays.fill(orders, order);
        return singlestep("dpm-solver-" + order + "-fixed-" + steps + suffix(spacing), schedule, orders, spacing);
    }

    private static DpmSolver singlestep(String name, NoiseSchedule schedule, int[] orders, Spacing spacing) {
        DiscreteVp vp = new DiscreteVp(schedule);
        return new DpmSolver(name, vp, singlestepTimes(vp, orders, spacing), orders, false);
    }

    /** DPM-Solver++(2M) with {@code nfe} steps of one network call each. */
    public static DpmSolver multistep(NoiseSchedule schedule, int nfe, Spacing spacing) {
        if (nfe < 1) throw new IllegalArgumentException("DPM-Solver++(2M) needs at least one step, got " + nfe);
        DiscreteVp vp = new DiscreteVp(schedule);
        int[] orders = new int[nfe];
        for (int i = 0; i < nfe; i++) orders[i] = i == 0 || (nfe < 10 && i == nfe - 1) ? 1 : 2;
        return new DpmSolver("dpm-solver++-2m-" + nfe + suffix(spacing), vp, grid(vp, nfe, spacing), orders, true);
    }

    /**
     * The order of each step of singlestep DPM-Solver-{@code order} at a budget of {@code nfe} calls (the official
     * get_orders_and_timesteps_for_singlestep_solver): orders sum to nfe.
     */
    public static int[] singlestepOrders(int order, int nfe) {
        if (nfe < 1) throw new IllegalArgumentException("DPM-Solver needs at least one network call, got " + nfe);
        int[] out;
        switch (order) {
            case 1 -> {
                out = new int[nfe];
                Arrays.fill(out, 1);
            }
            case 2 -> {
                out = new int[nfe / 2 + nfe % 2];
                Arrays.fill(out, 2);
                if (nfe % 2 == 1) out[out.length - 1] = 1;
            }
            case 3 -> {
                int k = nfe / 3 + 1;
                out = new int[k];
                Arrays.fill(out, 3);
                switch (nfe % 3) {
                    case 0 -> {
                        out[k - 2] = 2;
                        out[k - 1] = 1;
                    }
                    case 1 -> out[k - 1] = 1;
                    default -> out[k - 1] = 2;
                }
            }
            default -> throw new IllegalArgumentException("DPM-Solver order must be 1, 2 or 3, got " + order);
        }
        return out;
    }

    private static String suffix(Spacing spacing) {
        return spacing == Spacing.TIME_UNIFORM ? "-time" : "";
    }

    /** {@code k + 1} times from t = 1 to t = 1/N, uniform in lambda or in t; the ends are exact. */
    private static double[] grid(DiscreteVp vp, int k, Spacing spacing) {
        double[] t = new double[k + 1];
        double tEnd = vp.tEnd();
        double lStart = vp.lambda(1.0), lEnd = vp.lambda(tEnd);
        for (int i = 0; i <= k; i++) {
            double f = (double) i / k;
            t[i] = i == 0 ? 1.0 : i == k ? tEnd
                    : spacing == Spacing.LOG_SNR ? vp.inverseLambda(lStart + (lEnd - lStart) * f) : 1.0 + (tEnd - 1.0) * f;
        }
        return t;
    }

    /**
     * The outer times of singlestep steps: uniform in lambda over the K steps, or (uniform in t) the points of a uniform
     * grid of NFE intervals where each step's calls end, as the official code does.
     */
    private static double[] singlestepTimes(DiscreteVp vp, int[] orders, Spacing spacing) {
        if (spacing == Spacing.LOG_SNR) return grid(vp, orders.length, spacing);
        double[] fine = grid(vp, Arrays.stream(orders).sum(), spacing);
        double[] t = new double[orders.length + 1];
        int at = 0;
        for (int i = 0; i <= orders.length; i++) {
            t[i] = fine[at];
            if (i < orders.length) at += orders[i];
        }
        return t;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int nfe() {
        return nfe;
    }

    /** The step boundaries, from t = 1 down to t = 1/N. */
    public double[] times() {
        return times.clone();
    }

    /** The order of each step. */
    public int[] orders() {
        return orders.clone();
    }

    /** The network's time input at each step boundary (tau = N t - 1). */
    public double[] tau() {
        return Arrays.stream(times).map(vp::tau).toArray();
    }

    @Override
    public float[] sampleFinal(Network net, int n, int batch, long seed) {
        int dim = net.inputDim();
        return TrajectorySampler.inChunks(dim, n, batch, seed,
                (rows, chunkSeed) -> solve(net, TrajectorySampler.startingNoise(chunkSeed, rows, dim)));
    }

    /** Solves from x at t = 1 ({@code xT}, left unchanged) to t = 1/N. */
    public INDArray solve(Network net, INDArray xT) {
        Model model = new Model(net, vp, (int) xT.size(0));
        INDArray x = xT.dup();
        if (multistep) {
            INDArray prev = null;
            for (int i = 0; i < orders.length; i++) {
                INDArray d = model.data(x, times[i]);
                x = orders[i] == 1 ? plusFirst(x, d, times[i], times[i + 1])
                        : plusSecond(x, prev, d, times[i - 1], times[i], times[i + 1]);
                prev = d;
            }
        } else {
            for (int i = 0; i < orders.length; i++) {
                x = switch (orders[i]) {
                    case 1 -> first(model, x, times[i], times[i + 1]);
                    case 2 -> second(model, x, times[i], times[i + 1]);
                    default -> third(model, x, times[i], times[i + 1]);
                };
            }
        }
        return x;
    }

    /** DPM-Solver-1 (DDIM): x_t = (alpha_t / alpha_s) x - sigma_t (e^h - 1) eps(x, s). */
    private INDArray first(Model model, INDArray x, double s, double t) {
        double h = vp.lambda(t) - vp.lambda(s);
        INDArray eps = model.eps(x, s);
        return combine(Math.exp(vp.logAlpha(t) - vp.logAlpha(s)), x, -vp.sigma(t) * Math.expm1(h), eps);
    }

    /** DPM-Solver-2 (Algorithm 1, r1 = 1/2): one call at s and one at s1, half way in lambda. */
    private INDArray second(Model model, INDArray x, double s, double t) {
        double ls = vp.lambda(s), h = vp.lambda(t) - ls;
        double s1 = vp.inverseLambda(ls + R1_2 * h);
        double las = vp.logAlpha(s);
        INDArray eps = model.eps(x, s);
        INDArray u = combine(Math.exp(vp.logAlpha(s1) - las), x, -vp.sigma(s1) * Math.expm1(R1_2 * h), eps);
        INDArray d1 = model.eps(u, s1).subi(eps);
        double phi1 = vp.sigma(t) * Math.expm1(h);
        return combine(Math.exp(vp.logAlpha(t) - las), x, -phi1, eps).subi(d1.muli(0.5 / R1_2 * phi1));
    }

    /** DPM-Solver-3 (Algorithm 2, r1 = 1/3, r2 = 2/3): calls at s, s1 and s2. */
    private INDArray third(Model model, INDArray x, double s, double t) {
        double ls = vp.lambda(s), h = vp.lambda(t) - ls;
        double s1 = vp.inverseLambda(ls + R1_3 * h), s2 = vp.inverseLambda(ls + R2_3 * h);
        double las = vp.logAlpha(s);
        INDArray eps = model.eps(x, s);
        INDArray u1 = combine(Math.exp(vp.logAlpha(s1) - las), x, -vp.sigma(s1) * Math.expm1(R1_3 * h), eps);
        INDArray d1 = model.eps(u1, s1).subi(eps);
        double sigma2 = vp.sigma(s2), e2 = Math.expm1(R2_3 * h);
        INDArray u2 = combine(Math.exp(vp.logAlpha(s2) - las), x, -sigma2 * e2, eps)
                .subi(d1.muli(R2_3 / R1_3 * sigma2 * (e2 / (R2_3 * h) - 1)));
        INDArray d2 = model.eps(u2, s2).subi(eps);
        double sigmaT = vp.sigma(t), e = Math.expm1(h);
        return combine(Math.exp(vp.logAlpha(t) - las), x, -sigmaT * e, eps)
                .subi(d2.muli(sigmaT / R2_3 * (e / h - 1)));
    }

    /** DPM-Solver++ first order with the data prediction d at s: x_t = (sigma_t / sigma_s) x - alpha_t (e^-h - 1) d. */
    private INDArray plusFirst(INDArray x, INDArray d, double s, double t) {
        double h = vp.lambda(t) - vp.lambda(s);
        return combine(vp.sigma(t) / vp.sigma(s), x, -vp.alpha(t) * Math.expm1(-h), d);
    }

    /**
     * DPM-Solver++(2M) second order from s to t with the data predictions at the previous time p and at s:
     * D1 = (d_s - d_p) / r0 with r0 = h_0 / h, x_t = (sigma_t / sigma_s) x - alpha_t (e^-h - 1) (d_s + D1 / 2).
     */
    private INDArray plusSecond(INDArray x, INDArray dPrev, INDArray d, double p, double s, double t) {
        double ls = vp.lambda(s), h = vp.lambda(t) - ls, h0 = ls - vp.lambda(p);
        double phi = -vp.alpha(t) * Math.expm1(-h);
        INDArray d1 = d.sub(dPrev).muli(0.5 * h / h0);
        return combine(vp.sigma(t) / vp.sigma(s), x, phi, d).addi(d1.muli(phi));
    }

    /** a x + b y as a new array. */
    private static INDArray combine(double a, INDArray x, double b, INDArray y) {
        return x.mul(a).addi(y.mul(b));
    }

    /** The network seen in continuous time: its noise prediction (a copy) and the data prediction from it. */
    private record Model(Network net, DiscreteVp vp, float[] tau) {
        Model(Network net, DiscreteVp vp, int rows) {
            this(net, vp, new float[rows]);
        }

        INDArray eps(INDArray x, double t) {
            Arrays.fill(tau, (float) vp.tau(t));
            return net.forward(x, tau).dup();
        }

        /** x0 = (x - sigma_t eps) / alpha_t. */
        INDArray data(INDArray x, double t) {
            return x.sub(eps(x, t).muli(vp.sigma(t))).divi(vp.alpha(t));
        }
    }
}
