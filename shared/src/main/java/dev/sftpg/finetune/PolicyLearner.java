package dev.sftpg.finetune;

import dev.sftpg.nn.Network;
import dev.sftpg.nn.Optimizer;
import dev.sftpg.sampler.LogProbReduction;
import dev.sftpg.sampler.SamplerRecord;
import dev.sftpg.sampler.TrajectorySampler;
import dev.sftpg.sampler.TransitionLogProb;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
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
 *
 * <p>Optionally ({@link #offPolicyCorrection}) transitions of batches made by an older policy (admitted when the
 * generator allows a policy lag) weight their advantage by the truncated importance ratio
 * min(pi_now(x_{i+1} | x_i) / pi_then(x_{i+1} | x_i), clip), the densities' full products over dimensions, so the
 * step follows the current policy's gradient rather than the older one's; the ratio is a constant weight, as in
 * truncated importance sampling (IMPALA's rho-bar). The learner keeps the weights of the versions still in reach.
 */
public final class PolicyLearner {

    /** Figures of one update (averaged over its minibatches). */
    public record Update(long version, double loss, double advantageMean, double advantageStd, double gradNorm,
                         double clippedNorm, int transitions, int skipped, Importance importance) {
    }

    /**
     * The off-policy correction's figures of one update: transitions of older batches, their mean weight, how many
     * were truncated at the clip, and how many had no known behaviour policy (weight 1).
     */
    public record Importance(int lagged, double meanWeight, int truncated, int unknown) {
        static final Importance NONE = new Importance(0, 1, 0, 0);
    }

    /** A rollout batch in the buffer and the policy version that made it. */
    private record Buffered(float[] states, int batch, long madeBy) {
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
    /** 0: no off-policy correction; else the importance weights' cap. */
    private double importanceClip;
    private int maxLag;
    /** The weights of past versions that batches still admitted may come from (the current one is the network). */
    private final TreeMap<Long, float[]> behaviour = new TreeMap<>();
    private Network behaviourNet;

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

    /**
     * Weights transitions of batches up to {@code maxLag} versions old by their importance ratio, truncated at
     * {@code clip} (0 turns the correction off).
     */
    public void offPolicyCorrection(double clip, int maxLag) {
        if (clip < 0 || maxLag < 0) throw new IllegalArgumentException("importance clip " + clip + ", policy lag " + maxLag);
        this.importanceClip = clip;
        this.maxLag = maxLag;
        behaviour.clear();
        keepBehaviour();
    }

    /** Adds a rollout batch of the current policy (state-major, S+1 states of {@code batch} rows) to the buffer. */
    public void add(float[] states, int batch) {
        add(states, batch, version);
    }

    /** Adds a rollout batch made by policy version {@code madeBy}. */
    public void add(float[] states, int batch, long madeBy) {
        if (states.length != (sampler.steps() + 1) * batch * dim)
            throw new IllegalArgumentException("trajectory batch has " + states.length + " values, expected "
                    + (sampler.steps() + 1) * batch * dim);
        buffer.add(new Buffered(states, batch, madeBy));
    }

    /**
     * The current weights become version {@link #version}'s behaviour policy, kept while a lagged batch may still come
     * from it; called whenever the weights or the version change.
     */
    private void keepBehaviour() {
        if (importanceClip <= 0 || maxLag == 0) return;
        behaviour.put(version, weights());
        behaviour.headMap(version - maxLag).clear();
    }

    public int bufferedTransitions() {
        return buffer.stream().mapToInt(b -> b.batch * sampler.steps()).sum();
    }

    /**
     * B transitions drawn from the buffer: states x_i, successors x_{i+1}, the final samples, step indices, and per row
     * which trajectory the final belongs to (rows of one trajectory share it, and f is scored once per trajectory).
     */
    public record Minibatch(int n, float[] x, float[] xNext, float[] finals, int[] steps, long[] trajectories, long[] madeBy) {
        /** Every row its own trajectory, from the policy of the update that draws it. */
        public Minibatch(int n, float[] x, float[] xNext, float[] finals, int[] steps) {
            this(n, x, xNext, finals, steps, IntStream.range(0, n).mapToLong(q -> q).toArray(), null);
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
            long[] trajectory = new long[n], madeBy = new long[n];
            for (int q = 0; q < n; q++) {
                int idx = perm[m * minibatch + q];
                Buffered b = buffer.get(owner[idx]);
                int i = stepOf[idx], r = rowOf[idx], stateSize = b.batch * dim;
                System.arraycopy(b.states, i * stateSize + r * dim, x, q * dim, dim);
                System.arraycopy(b.states, (i + 1) * stateSize + r * dim, xNext, q * dim, dim);
                System.arraycopy(b.states, steps * stateSize + r * dim, fin, q * dim, dim);
                step[q] = i;
                trajectory[q] = ((long) owner[idx] << 32) | r;
                madeBy[q] = b.madeBy;
            }
            out.add(new Minibatch(n, x, xNext, fin, step, trajectory, madeBy));
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
        double loss = 0, advSum = 0, advSq = 0, norm = 0, clipped = 0, weightSum = 0;
        int used = 0, skipped = 0, lagged = 0, truncated = 0, unknown = 0;
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
            float[] w = importanceWeights(mb);
            if (w != null)
                for (int q = 0; q < mb.n; q++) {
                    if (mb.madeBy[q] == version) continue;
                    lagged++;
                    if (Float.isNaN(w[q])) { // no behaviour weights for that version: left uncorrected
                        unknown++;
                        w[q] = 1;
                    } else if (w[q] == (float) importanceClip) truncated++;
                    weightSum += w[q];
                    adv[q] *= w[q];
                }
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
        keepBehaviour();
        int done = Math.max(1, minibatchList.size());
        double mean = advSum / Math.max(1, used);
        double std = Math.sqrt(Math.max(0, advSq / Math.max(1, used) - mean * mean));
        Importance importance = lagged == 0 ? Importance.NONE : new Importance(lagged, weightSum / lagged, truncated, unknown);
        return new Update(version, loss / done, mean, std, norm / done, clipped / done, used, skipped, importance);
    }

    /**
     * Per row of {@code mb}, min(pi_now / pi_then, clip) of its transition for rows made by an older version (NaN when
     * that version's weights are not kept), 1 for the current version's rows; null when there is nothing to correct.
     */
    float[] importanceWeights(Minibatch mb) {
        if (importanceClip <= 0 || mb.madeBy == null) return null;
        TreeMap<Long, List<Integer>> byVersion = new TreeMap<>();
        for (int q = 0; q < mb.n; q++)
            if (mb.madeBy[q] != version) byVersion.computeIfAbsent(mb.madeBy[q], v -> new ArrayList<>()).add(q);
        if (byVersion.isEmpty()) return null;
        float[] w = new float[mb.n];
        Arrays.fill(w, 1f);
        for (var group : byVersion.entrySet()) {
            int[] rows = group.getValue().stream().mapToInt(Integer::intValue).toArray();
            float[] then = behaviour.get(group.getKey());
            if (then == null) {
                for (int q : rows) w[q] = Float.NaN;
                continue;
            }
            if (behaviourNet == null) behaviourNet = policy.spec().build(0);
            behaviourNet.parameters().setFloats(then);
            float[] x = new float[rows.length * dim], xNext = new float[rows.length * dim];
            int[] steps = new int[rows.length];
            for (int j = 0; j < rows.length; j++) {
                System.arraycopy(mb.x, rows[j] * dim, x, j * dim, dim);
                System.arraycopy(mb.xNext, rows[j] * dim, xNext, j * dim, dim);
                steps[j] = mb.steps[rows[j]];
            }
            INDArray xs = Nd4j.create(x, new long[]{rows.length, dim}, DataType.FLOAT);
            INDArray next = Nd4j.create(xNext, new long[]{rows.length, dim}, DataType.FLOAT);
            double[] now = TransitionLogProb.logProb(policy, sampler, xs, next, steps, LogProbReduction.SUM).data().asDouble();
            double[] old = TransitionLogProb.logProb(behaviourNet, sampler, xs, next, steps, LogProbReduction.SUM).data().asDouble();
            for (int j = 0; j < rows.length; j++)
                w[rows[j]] = (float) Math.min(Math.exp(now[j] - old[j]), importanceClip);
        }
        return w;
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

    /** The policy version that made each buffered batch, in order (for checkpoints). */
    public long[] bufferedMadeBy() {
        return buffer.stream().mapToLong(Buffered::madeBy).toArray();
    }

    /** The kept weights of past versions, by version (for checkpoints; empty without the off-policy correction). */
    public java.util.SortedMap<Long, float[]> behaviourWeights() {
        return behaviour.headMap(version);
    }

    /** Restores {@link #behaviourWeights()} from a checkpoint (before {@link #restore}, which adds the current version's). */
    public void restoreBehaviour(java.util.Map<Long, float[]> weights) {
        behaviour.clear();
        weights.forEach((v, w) -> {
            if (w.length != policy.parameters().size())
                throw new IllegalArgumentException("behaviour weights of version " + v + " have " + w.length + " values, expected "
                        + policy.parameters().size());
            behaviour.put(v, w.clone());
        });
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

    /**
     * Sets the version and the buffer to a checkpoint's (weights and optimiser are restored through their owners);
     * the buffered batches are taken as the current version's.
     */
    public void restore(long version, float[] bufferedStates, int[] bufferedBatches) {
        long[] madeBy = new long[bufferedBatches.length];
        Arrays.fill(madeBy, version);
        restore(version, bufferedStates, bufferedBatches, madeBy);
    }

    /** As {@link #restore(long, float[], int[])}, with the version that made each buffered batch. */
    public void restore(long version, float[] bufferedStates, int[] bufferedBatches, long[] madeBy) {
        if (madeBy.length != bufferedBatches.length)
            throw new IllegalArgumentException(madeBy.length + " batch versions for " + bufferedBatches.length + " buffered batches");
        this.version = version;
        buffer.clear();
        int at = 0, perRow = (sampler.steps() + 1) * dim;
        for (int i = 0; i < bufferedBatches.length; i++) {
            int b = bufferedBatches[i];
            if (b < 1 || at + b * perRow > bufferedStates.length)
                throw new IllegalArgumentException("buffered states do not match their batch sizes");
            add(Arrays.copyOfRange(bufferedStates, at, at + b * perRow), b, madeBy[i]);
            at += b * perRow;
        }
        if (at != bufferedStates.length) throw new IllegalArgumentException("buffered states do not match their batch sizes");
        keepBehaviour();
    }
}
