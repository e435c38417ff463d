package dev.sftpg.sampler;

import dev.sftpg.nn.Network;

import java.util.Arrays;

/**
 * Every stochastic few-step sampler as four arrays over steps i = 0..S-1:
 * <pre>x_{i+1} = a_i * x_i + b_i * eps_theta(x_i, tau_i) + s_i * z</pre>
 * Sampling and the policy log-probability both read this one record, so they cannot drift apart.
 *
 * @param name human-readable name, e.g. {@code fastdpm-var-10}
 * @param tau  the network's (possibly continuous) time input per step
 * @param a    multiplier of x_i
 * @param b    multiplier of the predicted noise
 * @param s    standard deviation of the added Gaussian noise (0 makes a step deterministic)
 */
public record SamplerRecord(String name, double[] tau, double[] a, double[] b, double[] s) implements Sampler {

    public SamplerRecord {
        int n = tau.length;
        if (n == 0) throw new IllegalArgumentException("a sampler needs at least one step");
        if (a.length != n || b.length != n || s.length != n)
            throw new IllegalArgumentException("sampler arrays differ in length: tau " + n + ", a " + a.length
                    + ", b " + b.length + ", s " + s.length);
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(tau[i]) || !Double.isFinite(a[i]) || !Double.isFinite(b[i]) || !(s[i] >= 0))
                throw new IllegalArgumentException("sampler " + name + " step " + i + " has a non-finite or negative entry");
        }
        tau = tau.clone();
        a = a.clone();
        b = b.clone();
        s = s.clone();
    }

    /** Number of network evaluations (steps) one sample costs. */
    public int steps() {
        return tau.length;
    }

    /** One network evaluation per step. */
    @Override
    public int nfe() {
        return steps();
    }

    /** Runs the record with {@link TrajectorySampler#sampleFinal}. */
    @Override
    public float[] sampleFinal(Network net, int n, int batch, long seed) {
        return TrajectorySampler.sampleFinal(net, this, n, batch, seed);
    }

    /** True when every step adds noise, which a policy log-probability needs. */
    public boolean isStochastic() {
        return Arrays.stream(s).allMatch(v -> v > 0);
    }

    /** Refuses deterministic records where a log-probability is required, naming the offending step. */
    public SamplerRecord requireStochastic() {
        for (int i = 0; i < s.length; i++)
            if (!(s[i] > 0))
                throw new IllegalArgumentException("sampler " + name + " is deterministic at step " + i
                        + " (std 0): a policy needs a stochastic sampler (kappa or eta > 0)");
        return this;
    }

    @Override
    public double[] tau() {
        return tau.clone();
    }

    @Override
    public double[] a() {
        return a.clone();
    }

    @Override
    public double[] b() {
        return b.clone();
    }

    @Override
    public double[] s() {
        return s.clone();
    }

    public double tau(int i) {
        return tau[i];
    }

    public double a(int i) {
        return a[i];
    }

    public double b(int i) {
        return b[i];
    }

    public double s(int i) {
        return s[i];
    }
}
