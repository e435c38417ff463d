package dev.sftpg.finetune;

import dev.sftpg.nn.Network;
import dev.sftpg.nn.Optimizer;
import dev.sftpg.sampler.LogProbReduction;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.sampler.TransitionLogProb;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The generator of SFT-PG: the few-step sampler as a policy. It buffers the transitions of the rollout batches
 * admitted since its last update; an update draws {@code nGenerator} minibatches of B transitions from the buffer,
 * scores them with the current critic and value (advantage A = f(x0) - V(x_i, i), a constant), takes one
 * clipped Adam step on mean(A * log p) per minibatch, clears the buffer and bumps the policy version.
 *
 * <p>Optionally the near-deterministic tail of the chain (the steps from which every remaining std is small) takes
 * f of the state's noise-free continuation as its baseline instead of V. The score-function gradient of a step
 * scales with b_i / s_i, which is about 10 on FastDPM's last two steps against about 1 elsewhere, so there any
 * error of V is amplified tenfold; the continuation's f differs from f(x0) only by what the remaining small noise
 * changes. A baseline that depends on the state alone leaves the gradient unbiased.
 */
public final class PolicyLearner {

    /** Figures of one update (averaged over its minibatches). */
    public record Update(long version, double loss, double advantageMean, double advantageStd, double gradNorm,
                         double clippedNorm, int transitions, int skipped) {
    }

    private record Buffered(float[] states, int batch) {
    }

    private final Network policy;
    private final SamplerRecord sampler;
    private final LogProbReduction reduction;
    private final Optimizer optimizer;
    private final int minibatch;
    private final int minibatches;
    private final long seed;
    private java.util.function.LongToDoubleFunction schedule;
    private double lrScale = 1;
    private final List<Buffered> buffer = new ArrayList<>();
    private final int dim;
    private int tailFrom;
    private long version;

    public PolicyLearner(Network policy, SamplerRecord sampler, LogProbReduction reduction, double lr, double clip,
                         int minibatch, int minibatches, long seed) {
        this.policy = policy;
        this.sampler = sampler.requireStochastic();
        this.reduction = reduction;
        this.optimizer = new Optimizer(policy.parameters(), Optimizer.Kind.ADAM, lr, clip);
        this.minibatch = minibatch;
        this.minibatches = minibatches;
        this.seed = seed;
        this.schedule = v -> lr;
        this.dim = policy.inputDim();
        this.tailFrom = sampler.steps();
    }

    /**
     * Uses the continuation baseline from the first step whose std, and every later one's, is at most
     * {@code maxStd}; 0 keeps V everywhere.
     */
    public void tailBaseline(double maxStd) {
        if (!(maxStd >= 0)) throw new IllegalArgumentException("tail baseline std must be >= 0, got " + maxStd);
        tailFrom = sampler.steps();
        if (maxStd == 0) return;
        while (tailFrom > 0 && sampler.s(tailFrom - 1) <= maxStd) tailFrom--;
    }

    /** The first step whose baseline is its continuation's f (the number of steps when none is). */
    public int tailFrom() {
        return tailFrom;
    }

    /** The learning rate of the update after each version (constant unless set). */
    public void schedule(java.util.function.LongToDoubleFunction lrAfterVersion) {
        this.schedule = lrAfterVersion;
    }

    /** A factor on the schedule (numerical-fault rollbacks lower it). */
    public void lrScale(double scale) {
        if (!(scale > 0)) throw new IllegalArgumentException("learning-rate scale must be > 0, got " + scale);
        lrScale = scale;
    }

    public double lrScale() {
        return lrScale;
    }

    public long version() {
        return version;
    }

    public Network network() {
        return policy;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public float[] weights() {
        return policy.parameters().toFloats();
    }

    /** Adds a rollout batch (state-major, S+1 states of {@code batch} rows) to the buffer. */
    public void add(float[] states, int batch) {
        if (states.length != (sampler.steps() + 1) * batch * dim)
            throw new IllegalArgumentException("trajectory batch has " + states.length + " values, expected "
                    + (sampler.steps() + 1) * batch * dim);
        buffer.add(new Buffered(states, batch));
    }

    public int bufferedTransitions() {
        return buffer.stream().mapToInt(b -> b.batch * sampler.steps()).sum();
    }

    /**
     * B transitions drawn from the buffer: states x_i, successors x_{i+1}, the final samples, step indices, and per row
     * which trajectory the final belongs to (rows of one trajectory share it, and f is scored once per trajectory).
     */
    public record Minibatch(int n, float[] x, float[] xNext, float[] finals, int[] steps, long[] trajectories) {
        /** Every row its own trajectory. */
        public Minibatch(int n, float[] x, float[] xNext, float[] finals, int[] steps) {
            this(n, x, xNext, finals, steps, IntStream.range(0, n).mapToLong(q -> q).toArray());
        }

        /** The rows at or after step {@code from}, in row order. */
        int[] rowsFrom(int from) {
            return IntStream.range(0, n).filter(q -> steps[q] >= from).toArray();
        }
    }

    /** Draws this update's minibatches (without replacement across them) from the shuffled buffer. */
    public List<Minibatch> drawMinibatches() {
        int steps = sampler.steps();
        int total = bufferedTransitions();
        if (total == 0) throw new IllegalStateException("policy update with an empty buffer");
        // index k -> (buffered batch, step i, row r), shuffled
        int[] owner = new int[total], stepOf = new int[total], rowOf = new int[total];
        int k = 0;
        for (int b = 0; b < buffer.size(); b++)
            for (int i = 0; i < steps; i++)
                for (int r = 0; r < buffer.get(b).batch; r++) {
                    owner[k] = b;
                    stepOf[k] = i;
                    rowOf[k++] = r;
                }
        // the draw depends on (seed, version) only, so a resumed learner draws what the interrupted one would have
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + version);
        int[] perm = new int[total];
        for (int i = 0; i < total; i++) perm[i] = i;
        for (int i = total - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        List<Minibatch> out = new ArrayList<>();
        for (int m = 0; m < minibatches && m * minibatch < total; m++) {
            int n = Math.min(minibatch, total - m * minibatch);
            float[] x = new float[n * dim], xNext = new float[n * dim], fin = new float[n * dim];
            int[] step = new int[n];
            long[] trajectory = new long[n];
            for (int q = 0; q < n; q++) {
                int idx = perm[m * minibatch + q];
                Buffered b = buffer.get(owner[idx]);
                int i = stepOf[idx], r = rowOf[idx], stateSize = b.batch * dim;
                System.arraycopy(b.states, i * stateSize + r * dim, x, q * dim, dim);
                System.arraycopy(b.states, (i + 1) * stateSize + r * dim, xNext, q * dim, dim);
                System.arraycopy(b.states, steps * stateSize + r * dim, fin, q * dim, dim);
                step[q] = i;
                trajectory[q] = ((long) owner[idx] << 32) | r;
            }
            out.add(new Minibatch(n, x, xNext, fin, step, trajectory));
        }
        return out;
    }

    /**
     * The noise-free continuation, under the current policy, of each tail row's state (rows at or after
     * {@link #tailFrom()}, in row order): the points whose f is their baseline. Empty without a tail.
     */
    public float[] tailContinuations(Minibatch mb) {
        int[] rows = mb.rowsFrom(tailFrom);
        float[] out = new float[rows.length * dim];
        // rows that start at the same step run the rest of the chain together; group holds positions in rows
        for (int start = tailFrom; start < sampler.steps(); start++) {
            final int from = start;
            int[] group = IntStream.range(0, rows.length).filter(j -> mb.steps[rows[j]] == from).toArray();
            if (group.length == 0) continue;
            float[] x = new float[group.length * dim];
            for (int g = 0; g < group.length; g++) System.arraycopy(mb.x, rows[group[g]] * dim, x, g * dim, dim);
            float[] end = TrajectorySampler.noiseFree(policy, sampler,
                    Nd4j.create(x, new long[]{group.length, dim}, DataType.FLOAT), from).data().asFloat();
            for (int g = 0; g < group.length; g++) System.arraycopy(end, g * dim, out, group[g] * dim, dim);
        }
        return out;
    }

    /**
     * Applies one clipped Adam step per minibatch, given the current critic's f of each minibatch's finals, the
     * value's V of its states and the critic's f of its {@link #tailContinuations} (all scored before any of these
     * steps), then clears the buffer and bumps the version.
     */
    public Update apply(List<Minibatch> minibatchList, List<float[]> criticOfFinals, List<float[]> valueOfStates,
                        List<float[]> criticOfTails) {
        double lr = schedule.applyAsDouble(version) * lrScale;
        if (lr != optimizer.learningRate()) optimizer.setLearningRate(lr);
        double loss = 0, advSum = 0, advSq = 0, norm = 0, clipped = 0;
        int used = 0, skipped = 0;
        for (int m = 0; m < minibatchList.size(); m++) {
            Minibatch mb = minibatchList.get(m);
            float[] f = criticOfFinals.get(m), v = valueOfStates.get(m), tail = criticOfTails.get(m);
            int tailRows = mb.rowsFrom(tailFrom).length;
            if (tail.length != tailRows)
                throw new IllegalArgumentException("minibatch " + m + ": " + tail.length + " tail scores for " + tailRows + " tail rows");
            float[] adv = new float[mb.n];
            for (int q = 0, t = 0; q < mb.n; q++) {
                adv[q] = f[q] - (mb.steps[q] >= tailFrom ? tail[t++] : v[q]);
                advSum += adv[q];
                advSq += (double) adv[q] * adv[q];
            }
            used += mb.n;
            loss += TransitionLogProb.policyGradient(policy, sampler,
                    Nd4j.create(mb.x, new long[]{mb.n, dim}, DataType.FLOAT),
                    Nd4j.create(mb.xNext, new long[]{mb.n, dim}, DataType.FLOAT), mb.steps, adv, reduction);
            Optimizer.StepInfo info = optimizer.step();
            if (!info.finite()) skipped++;
            norm += info.gradNorm();
            clipped += info.clippedNorm();
        }
        buffer.clear();
        version++;
        int done = Math.max(1, minibatchList.size());
        double mean = advSum / Math.max(1, used);
        double std = Math.sqrt(Math.max(0, advSq / Math.max(1, used) - mean * mean));
        return new Update(version, loss / done, mean, std, norm / done, clipped / done, used, skipped);
    }

    /**
     * What one update needs scored, as two queries: the critic scores each trajectory's final sample once (the
     * minibatches draw S transitions of a trajectory that all share it) followed by every minibatch's tail
     * continuations, the value scores every minibatch's states at their steps. Scoring them in one query each is what
     * lets a remote critic and value answer an update in one round trip.
     */
    public static final class ScoreRequest {
        private final List<Minibatch> minibatches;
        private final List<float[]> continuations;
        private final int dim, transitions, finals, tailPoints;
        private final float[] criticPoints, valueStates;
        private final int[] valueSteps;
        /** Per transition (minibatch order), the position of its final among the critic's points. */
        private final int[] finalOf;

        private ScoreRequest(List<Minibatch> minibatches, List<float[]> continuations, int dim) {
            this.minibatches = minibatches;
            this.continuations = continuations;
            this.dim = dim;
            this.transitions = minibatches.stream().mapToInt(Minibatch::n).sum();
            this.tailPoints = continuations.stream().mapToInt(c -> c.length / dim).sum();
            finalOf = new int[transitions];
            java.util.Map<Long, Integer> seen = new java.util.HashMap<>();
            float[] unique = new float[transitions * dim];
            valueStates = new float[transitions * dim];
            valueSteps = new int[transitions];
            int at = 0;
            for (Minibatch mb : minibatches) {
                for (int q = 0; q < mb.n; q++) {
                    Integer pos = seen.get(mb.trajectories[q]);
                    if (pos == null) {
                        pos = seen.size();
                        seen.put(mb.trajectories[q], pos);
                        System.arraycopy(mb.finals, q * dim, unique, pos * dim, dim);
                    }
                    finalOf[at + q] = pos;
                }
                System.arraycopy(mb.x, 0, valueStates, at * dim, mb.n * dim);
                System.arraycopy(mb.steps, 0, valueSteps, at, mb.n);
                at += mb.n;
            }
            finals = seen.size();
            criticPoints = Arrays.copyOf(unique, (finals + tailPoints) * dim);
            int tailAt = finals;
            for (float[] c : continuations) {
                System.arraycopy(c, 0, criticPoints, tailAt * dim, c.length);
                tailAt += c.length / dim;
            }
        }

        public List<Minibatch> minibatches() {
            return minibatches;
        }

        /** The critic's query: the distinct finals of all minibatches, then their tail continuations. */
        public float[] criticPoints() {
            return criticPoints;
        }

        public int criticRows() {
            return finals + tailPoints;
        }

        /** How many distinct final samples the minibatches' transitions lead to. */
        public int distinctFinals() {
            return finals;
        }

        /** The value's query: the states of all minibatches, with {@link #valueSteps()}. */
        public float[] valueStates() {
            return valueStates;
        }

        public int[] valueSteps() {
            return valueSteps;
        }

        public int valueRows() {
            return transitions;
        }
    }

    /** Draws this update's minibatches and gathers what they need scored. */
    public ScoreRequest scoreRequest() {
        List<Minibatch> mbs = drawMinibatches();
        List<float[]> continuations = new ArrayList<>();
        for (Minibatch mb : mbs) continuations.add(tailContinuations(mb));
        return new ScoreRequest(mbs, continuations, dim);
    }

    /** Splits the two replies to {@code request} back per minibatch and {@linkplain #apply applies} the update. */
    public Update apply(ScoreRequest request, float[] criticScores, float[] valueScores) {
        if (criticScores.length != request.criticRows() || valueScores.length != request.valueRows())
            throw new IllegalArgumentException("score replies of " + criticScores.length + " and " + valueScores.length
                    + " values for " + request.criticRows() + " critic and " + request.valueRows() + " value rows");
        List<Minibatch> mbs = request.minibatches;
        List<float[]> fs = new ArrayList<>(), vs = new ArrayList<>(), tails = new ArrayList<>();
        int pos = 0, tailPos = request.finals;
        for (int m = 0; m < mbs.size(); m++) {
            int n = mbs.get(m).n, tailRows = request.continuations.get(m).length / dim;
            float[] f = new float[n];
            for (int q = 0; q < n; q++) f[q] = criticScores[request.finalOf[pos + q]];
            fs.add(f);
            vs.add(Arrays.copyOfRange(valueScores, pos, pos + n));
            tails.add(Arrays.copyOfRange(criticScores, tailPos, tailPos + tailRows));
            pos += n;
            tailPos += tailRows;
        }
        return apply(mbs, fs, vs, tails);
    }

    /** One update with synchronous scorers (one process), through the same request the cluster sends. */
    public Update update(Scorer critic, Scorer value) {
        ScoreRequest request = scoreRequest();
        float[] f = critic.score(request.criticPoints(), request.criticRows(), null);
        float[] v = value.score(request.valueStates(), request.valueRows(), request.valueSteps());
        return apply(request, f, v);
    }

    /** Drops buffered transitions (e.g. after a version change made them too stale). */
    public void clearBuffer() {
        buffer.clear();
    }

    /** The rollout batch sizes in the buffer, in order (with {@link #bufferedStates()}, for checkpoints). */
    public int[] bufferedBatches() {
        return buffer.stream().mapToInt(Buffered::batch).toArray();
    }

    /** The buffered batches' states, concatenated in order. */
    public float[] bufferedStates() {
        int total = buffer.stream().mapToInt(b -> b.states.length).sum(), at = 0;
        float[] out = new float[total];
        for (Buffered b : buffer) {
            System.arraycopy(b.states, 0, out, at, b.states.length);
            at += b.states.length;
        }
        return out;
    }

    /** Sets the version and the buffer to a checkpoint's (weights and optimiser are restored through their owners). */
    public void restore(long version, float[] bufferedStates, int[] bufferedBatches) {
        this.version = version;
        buffer.clear();
        int at = 0, perRow = (sampler.steps() + 1) * dim;
        for (int b : bufferedBatches) {
            if (b < 1 || at + b * perRow > bufferedStates.length)
                throw new IllegalArgumentException("buffered states do not match their batch sizes");
            add(Arrays.copyOfRange(bufferedStates, at, at + b * perRow), b);
            at += b * perRow;
        }
        if (at != bufferedStates.length) throw new IllegalArgumentException("buffered states do not match their batch sizes");
    }
}
