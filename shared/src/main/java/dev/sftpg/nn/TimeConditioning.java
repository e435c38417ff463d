package dev.sftpg.nn;

/**
 * How a network sees the diffusion time tau: as a one-hot index into a learned per-step table (the reference
 * toy's nn.Embedding; integer steps only), or as sinusoidal features (any continuous tau, e.g. FastDPM VAR).
 * Features are computed on the host once per batch and shared by every conditional layer.
 */
public sealed interface TimeConditioning permits TimeConditioning.OneHot, TimeConditioning.Sinusoidal {

    int features();

    /** Writes {@code batch x features()} values for the given tau per row into {@code out}. */
    void encode(float[] tau, int batch, float[] out);

    /** Integer steps 0..steps-1; a non-integer or out-of-range tau is refused. */
    record OneHot(int steps) implements TimeConditioning {
        public OneHot {
            if (steps < 1) throw new IllegalArgumentException("one-hot conditioning needs >= 1 steps");
        }

        @Override
        public int features() {
            return steps;
        }

        @Override
        public void encode(float[] tau, int batch, float[] out) {
            java.util.Arrays.fill(out, 0, batch * steps, 0f);
            for (int i = 0; i < batch; i++) out[i * steps + step(tau[i])] = 1f;
        }

        /** The step whose one-hot row {@link #encode} writes for {@code tau}: its row of the per-step table. */
        public int step(float tau) {
            int t = Math.round(tau);
            if (t < 0 || t >= steps || Math.abs(tau - t) > 1e-3)
                throw new IllegalArgumentException("time input " + tau + " is not an integer step in [0, " + steps
                        + "): this network has a per-step embedding; use a sinusoidal network for continuous times");
            return t;
        }
    }

    /** Transformer-style features: sin and cos of tau at {@code dim/2} geometric frequencies. */
    record Sinusoidal(int dim, double maxPeriod) implements TimeConditioning {
        public Sinusoidal {
            if (dim < 2 || dim % 2 != 0) throw new IllegalArgumentException("sinusoidal embedding size must be even and >= 2, got " + dim);
            if (!(maxPeriod > 1)) throw new IllegalArgumentException("sinusoidal max period must be > 1");
        }

        @Override
        public int features() {
            return dim;
        }

        @Override
        public void encode(float[] tau, int batch, float[] out) {
            int half = dim / 2;
            for (int i = 0; i < batch; i++) {
                // a sampler's batch shares one time: its features are computed once and copied
                if (i > 0 && Float.floatToRawIntBits(tau[i]) == Float.floatToRawIntBits(tau[i - 1])) {
                    System.arraycopy(out, (i - 1) * dim, out, i * dim, dim);
                    continue;
                }
                for (int k = 0; k < half; k++) {
                    double arg = tau[i] * Math.exp(-Math.log(maxPeriod) * k / half);
                    out[i * dim + k] = (float) Math.sin(arg);
                    out[i * dim + half + k] = (float) Math.cos(arg);
                }
            }
        }
    }
}
