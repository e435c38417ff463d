package dev.sftpg.nn;

import dev.sftpg.nn.simd.MlpKernels;
import dev.sftpg.nn.simd.Simd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link MlpSpec} on ND4J with hand-written backpropagation into preallocated buffers. A SameDiff graph of the
 * same net runs ~45 steps/s here because every op pays ~40 us of JNI/graph overhead; this keeps the op count to
 * about a dozen per layer (gemm with accumulate, fused in-place element-wise ops) and allocates nothing per step.
 * <p>
 * In float with the Vector API present each layer is its matrix products plus one fused loop per direction
 * ({@link MlpKernels}: bias, gain, product and activation forward; derivative, gain products and the bias gradients'
 * column sums backward), and a per-step gain table (one-hot time features) is read by row instead of multiplied by
 * one-hot rows; products with a side of at most four (the 2-D input layer, the 1- or 2-wide output layer, and their
 * gradients) are loops instead of BLAS calls that cost tens of microseconds each, nearly all overhead; with sinusoidal
 * features the gains of all layers are one product (their tables copied side by side) and so are their gradients. The
 * element-wise work gives the op-by-op path's bits; those products and the bias and per-step-gain gradients are the same
 * sums in another order (within float rounding: FusedMlpTest). Double precision (the gradient checks) takes the op-by-op path.
 */
public final class ConditionalMlp implements Network {
    private static final int MAX_CACHED_BATCH_SIZES = 4;

    private final MlpSpec spec;
    private final ParameterStore store;
    private final int layers; // hidden layers + output layer
    private final INDArray[] w, b, g, gBias, dw, db, dg, dgBias;
    private final boolean[] conditioned;
    private final Map<Integer, Buffers> buffers = new LinkedHashMap<>(8, 0.75f, true);
    private Buffers last;
    /** Whether layers run as {@link MlpKernels}' fused loops (float, Vector API present). */
    private final boolean fused;
    /** One-hot conditioning in the fused path: gains are rows of the per-step table, no features are multiplied. */
    private final boolean gathered;
    private final int activationCode;
    private final float[] sums;
    /** Fused path: the input layer's few inputs and the output layer's few outputs are loops, not BLAS calls. */
    private final boolean smallIn, smallOut;
    private final float[] smallW, smallAcc;
    private static final int SMALL = 4;
    /**
     * Fused path with features (sinusoidal): every layer's gain table sits in one block of columns of {@code gainAll},
     * so the gains of all layers are one product with the features forward and their gradients one backward.
     */
    private final boolean merged;
    private final int[] gainOffset;
    private final int gainWidth;
    private INDArray gainAll, dGainAll;
    private INDArray[] gainBlock, dGainBlock;
    /**
     * Batches whose hidden layers take at least {@link Gemm#SPLIT_MIN_MULTIPLY_ADDS} multiply-adds each (a value step's
     * 1280 rows of 256, a critic step's 256 of 256; not a pretraining step's 128 of 128) run as two halves of rows at
     * once, the second through {@link #partner} on the second core ({@link SecondCore#inParallel}): the element-wise loops are
     * split too, not only the products. The halves are the same arithmetic with or without a second core (one after the
     * other then), so a run's numbers do not depend on the machine; {@code -Dsftpg.splitBatches=false} keeps batches whole.
     */
    private static final boolean SPLIT_BATCHES = !"false".equals(System.getProperty("sftpg.splitBatches"));
    private static final int SPLIT_MIN_ROWS = 128;
    private final boolean isPartner;
    /** The network that takes the second half of a split batch: this one's parameters, its own gradients. */
    private ConditionalMlp partner;
    /** While this network computes half of a split batch (which is not split again). */
    private boolean onePart;
    /** Rows of the first half when the last forward was split, else 0. */
    private int lastSplitRows;
    /** A split forward's output, both halves' rows, by batch size. */
    private final Map<Integer, INDArray> joinedOutputs = new LinkedHashMap<>(8, 0.75f, true);
    /** Sinusoidal features of integer times already seen (a pretraining batch draws from T of them), by time. */
    private float[][] featureRows = new float[0][];

    public ConditionalMlp(MlpSpec spec, DataType dtype, long seed) {
        this(spec, dtype, seed, null);
    }

    /** With {@code shared} non-null, a partner: the parameters of {@code shared}, gradients and buffers of its own. */
    private ConditionalMlp(MlpSpec spec, DataType dtype, long seed, ParameterStore shared) {
        this.spec = spec;
        this.layers = spec.hiddenLayers() + 1;
        ParameterStore.Builder pb = new ParameterStore.Builder();
        conditioned = new boolean[layers];
        int c = spec.conditioning() == null ? 0 : spec.conditioning().features();
        for (int l = 0; l < layers; l++) {
            boolean out = l == layers - 1;
            long in = l == 0 ? spec.inputDim() : spec.hidden();
            long width = out ? spec.outputDim() : spec.hidden();
            conditioned[l] = spec.conditioning() != null && (!out || spec.conditionOutput());
            pb.add("l" + l + ".w", new long[]{in, width},
                    conditioned[l] && spec.xavierHidden() ? Init.xavierNormal(in, width) : Init.torchLinearDefault(in));
            pb.add("l" + l + ".b", new long[]{1, width}, Init.torchLinearDefault(in));
            if (conditioned[l]) {
                if (spec.gammaBias()) {
                    // gamma(tau) starts near 1 so the untrained net behaves like a plain MLP
                    pb.add("l" + l + ".gamma", new long[]{c, width}, Init.normal(0.1 / Math.sqrt(c)));
                    pb.add("l" + l + ".gammaBias", new long[]{1, width}, Init.constant(1.0));
                } else {
                    // the reference's nn.Embedding initialised uniform_() in [0, 1)
                    pb.add("l" + l + ".gamma", new long[]{c, width}, Init.uniform(0, 1));
                }
            }
        }
        store = shared == null ? pb.build(dtype, seed) : shared.sharingParameters();
        isPartner = shared != null;
        fused = dtype == DataType.FLOAT && Simd.AVAILABLE && !"false".equals(System.getProperty("sftpg.fusedMlp"));
        gathered = fused && spec.conditioning() instanceof TimeConditioning.OneHot;
        activationCode = switch (spec.activation()) {
            case IDENTITY -> 0;
            case RELU -> 1;
            case SOFTPLUS -> 2;
        };
        sums = new float[2 * Math.max(spec.hidden(), spec.outputDim())];
        smallIn = fused && spec.inputDim() <= SMALL;
        smallOut = fused && spec.outputDim() <= SMALL;
        smallW = new float[SMALL * Math.max(spec.hidden(), spec.outputDim())];
        smallAcc = new float[SMALL * Math.max(spec.hidden(), spec.outputDim())];
        gainOffset = new int[layers];
        int total = 0, count = 0;
        for (int l = 0; l < layers; l++)
            if (conditioned[l]) {
                gainOffset[l] = total;
                total += l == layers - 1 ? spec.outputDim() : spec.hidden();
                count++;
            }
        gainWidth = total;
        merged = fused && !gathered && count >= 2;
        if (merged) {
            gainAll = Nd4j.create(DataType.FLOAT, c, total);
            dGainAll = Nd4j.create(DataType.FLOAT, c, total);
            gainBlock = new INDArray[layers];
            dGainBlock = new INDArray[layers];
            for (int l = 0; l < layers; l++)
                if (conditioned[l]) {
                    gainBlock[l] = columns(gainAll, l);
                    dGainBlock[l] = columns(dGainAll, l);
                }
        }
        w = new INDArray[layers];
        b = new INDArray[layers];
        g = new INDArray[layers];
        gBias = new INDArray[layers];
        dw = new INDArray[layers];
        db = new INDArray[layers];
        dg = new INDArray[layers];
        dgBias = new INDArray[layers];
        for (int l = 0; l < layers; l++) {
            w[l] = store.param("l" + l + ".w");
            dw[l] = store.grad("l" + l + ".w");
            b[l] = store.param("l" + l + ".b");
            db[l] = store.grad("l" + l + ".b");
            if (conditioned[l]) {
                g[l] = store.param("l" + l + ".gamma");
                dg[l] = store.grad("l" + l + ".gamma");
                if (spec.gammaBias()) {
                    gBias[l] = store.param("l" + l + ".gammaBias");
                    dgBias[l] = store.grad("l" + l + ".gammaBias");
                }
            }
        }
    }

    /** Layer l's block of columns of a matrix laid out as {@link #gainAll}. */
    private INDArray columns(INDArray all, int l) {
        int width = l == layers - 1 ? spec.outputDim() : spec.hidden();
        return all.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(gainOffset[l], gainOffset[l] + width));
    }

    @Override
    public MlpSpec spec() {
        return spec;
    }

    @Override
    public ParameterStore parameters() {
        return store;
    }

    @Override
    public int inputDim() {
        return spec.inputDim();
    }

    @Override
    public int outputDim() {
        return spec.outputDim();
    }

    /** Per-batch-size activations and gradient scratch, reused across steps. */
    private final class Buffers {
        final int batch;
        final INDArray cond, ones;
        final float[] condHost;
        final int[] steps;
        final INDArray[] lin, gamma, pre, act, dAct, dLin, scratch;
        /** With merged gains: every layer's gains and their gradients, layers' blocks of columns side by side. */
        final INDArray gammaAll, dGammaAll;
        INDArray input, gradIn;

        Buffers(int batch) {
            this.batch = batch;
            DataType dt = store.dataType();
            int c = spec.conditioning() == null ? 0 : spec.conditioning().features();
            cond = c == 0 || gathered ? null : Nd4j.create(dt, batch, c);
            condHost = gathered ? new float[0] : new float[batch * c];
            steps = gathered ? new int[batch] : null;
            ones = Nd4j.ones(dt, 1, batch);
            lin = new INDArray[layers];
            gamma = new INDArray[layers];
            pre = new INDArray[layers];
            act = new INDArray[layers];
            dAct = new INDArray[layers];
            dLin = new INDArray[layers];
            scratch = new INDArray[layers];
            gammaAll = merged ? Nd4j.create(dt, batch, gainWidth) : null;
            dGammaAll = merged ? Nd4j.create(dt, batch, gainWidth) : null;
            for (int l = 0; l < layers; l++) {
                long width = l == layers - 1 ? spec.outputDim() : spec.hidden();
                lin[l] = Nd4j.create(dt, batch, width);
                if (conditioned[l]) {
                    if (merged) {
                        gamma[l] = columns(gammaAll, l);
                        scratch[l] = columns(dGammaAll, l);
                    } else if (!gathered) gamma[l] = Nd4j.create(dt, batch, width);
                    pre[l] = Nd4j.create(dt, batch, width);
                    dLin[l] = Nd4j.create(dt, batch, width);
                } else {
                    pre[l] = lin[l];
                }
                act[l] = l == layers - 1 ? pre[l] : Nd4j.create(dt, batch, width);
                dAct[l] = Nd4j.create(dt, batch, width);
                if (scratch[l] == null) scratch[l] = Nd4j.create(dt, batch, width);
            }
        }
    }

    private Buffers buffersFor(int batch) {
        Buffers buf = buffers.get(batch);
        if (buf == null) {
            if (buffers.size() >= MAX_CACHED_BATCH_SIZES) {
                Integer eldest = buffers.keySet().iterator().next();
                buffers.remove(eldest);
            }
            buf = new Buffers(batch);
            buffers.put(batch, buf);
        }
        return buf;
    }

    @Override
    public INDArray forward(INDArray x, float[] tau) {
        if (x.rank() != 2 || x.size(1) != spec.inputDim())
            throw new IllegalArgumentException("network expects input [B, " + spec.inputDim() + "], got " + java.util.Arrays.toString(x.shape()));
        int batch = (int) x.size(0);
        lastSplitRows = 0;
        if (splits(batch)) return forwardHalves(x, tau, batch);
        Buffers buf = buffersFor(batch);
        buf.input = x.dataType() == store.dataType() ? x : x.castTo(store.dataType());
        if (fused) return forwardFused(buf, batch, tau);
        if (buf.cond != null) {
            if (tau == null || tau.length < batch)
                throw new IllegalArgumentException("this network is time-conditioned: give one time input per row");
            spec.conditioning().encode(tau, batch, buf.condHost);
            buf.cond.assign(Nd4j.create(buf.condHost, new long[]{batch, buf.cond.size(1)}, store.dataType()));
        }
        INDArray h = buf.input;
        for (int l = 0; l < layers; l++) {
            Gemm.gemm(h, w[l], buf.lin[l], false, false, 1.0, 0.0);
            buf.lin[l].addiRowVector(b[l]);
            if (conditioned[l]) {
                Gemm.gemm(buf.cond, g[l], buf.gamma[l], false, false, 1.0, 0.0);
                if (gBias[l] != null) buf.gamma[l].addiRowVector(gBias[l]);
                buf.lin[l].mul(buf.gamma[l], buf.pre[l]);
            }
            if (l < layers - 1) spec.activation().apply(buf.pre[l], buf.act[l], buf.scratch[l]);
            h = buf.act[l];
        }
        last = buf;
        return h;
    }

    /** Whether the last forward ran as two halves (for tests). */
    boolean lastForwardSplit() {
        return lastSplitRows > 0;
    }

    private boolean splits(int batch) {
        return SPLIT_BATCHES && fused && !isPartner && !onePart && batch >= 2 * SPLIT_MIN_ROWS
                && (long) batch * spec.hidden() * spec.hidden() >= Gemm.SPLIT_MIN_MULTIPLY_ADDS;
    }

    private static INDArray rows(INDArray x, int from, int to) {
        return x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), org.nd4j.linalg.indexing.NDArrayIndex.all());
    }

    /** The first half of the rows through this network, the second through the partner at the same time. */
    private INDArray forwardHalves(INDArray x, float[] tau, int batch) {
        if (tau != null && tau.length < batch)
            throw new IllegalArgumentException("this network is time-conditioned: give one time input per row");
        if (partner == null) partner = new ConditionalMlp(spec, store.dataType(), 0, store);
        int half = batch / 2;
        INDArray first = rows(x, 0, half), second = rows(x, half, batch);
        float[] secondTau = tau == null ? null : java.util.Arrays.copyOfRange(tau, half, batch);
        INDArray[] out = new INDArray[2];
        onePart = true;
        partner.onePart = true;
        try {
            SecondCore.inParallel(() -> out[0] = forward(first, tau), () -> out[1] = partner.forward(second, secondTau));
        } finally {
            onePart = false;
        }
        INDArray joined = joinedOutputs.get(batch);
        if (joined == null) {
            if (joinedOutputs.size() >= MAX_CACHED_BATCH_SIZES) joinedOutputs.remove(joinedOutputs.keySet().iterator().next());
            joined = Nd4j.create(store.dataType(), batch, spec.outputDim());
            joinedOutputs.put(batch, joined);
        }
        MlpKernels.copyRows(out[0], rows(joined, 0, half), half, spec.outputDim());
        MlpKernels.copyRows(out[1], rows(joined, half, batch), batch - half, spec.outputDim());
        lastSplitRows = half;
        return joined;
    }

    /** Backward through both halves at once; the partner's gradients are then added to this network's. */
    private void backwardHalves(INDArray gradOut, int batch) {
        int half = lastSplitRows;
        INDArray first = rows(gradOut, 0, half), second = rows(gradOut, half, batch);
        onePart = true;
        try {
            SecondCore.inParallel(() -> backwardWhole(first), () -> partner.backward(second));
        } finally {
            onePart = false;
        }
        INDArray mine = store.flatGrads(), theirs = partner.store.flatGrads();
        MlpKernels.addRows(theirs, mine, 1, (int) mine.length());
        partner.store.zeroGrads();
    }

    private INDArray forwardFused(Buffers buf, int batch, float[] tau) {
        if (spec.conditioning() != null) {
            if (tau == null || tau.length < batch)
                throw new IllegalArgumentException("this network is time-conditioned: give one time input per row");
            if (gathered) {
                TimeConditioning.OneHot oneHot = (TimeConditioning.OneHot) spec.conditioning();
                for (int i = 0; i < batch; i++) buf.steps[i] = oneHot.step(tau[i]);
            } else {
                features(tau, batch, buf.condHost);
                buf.cond.data().asNio().order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().put(buf.condHost, 0, buf.condHost.length);
            }
        }
        if (smallIn && !dev.sftpg.nn.simd.FloatKernels.fits(buf.input)) buf.input = buf.input.dup('c');
        if (merged) {
            int c = spec.conditioning().features();
            for (int l = 0; l < layers; l++)
                if (conditioned[l]) MlpKernels.copyRows(g[l], gainBlock[l], c, (int) g[l].size(1));
            Gemm.gemm(buf.cond, gainAll, buf.gammaAll, false, false, 1.0, 0.0);
        }
        INDArray h = buf.input;
        for (int l = 0; l < layers; l++) {
            boolean out = l == layers - 1;
            int width = (int) buf.lin[l].size(1);
            if (l == 0 && smallIn) {
                MlpKernels.copyOut(w[0], spec.inputDim(), width, false, smallW);
                MlpKernels.productFewInner(h, spec.inputDim(), smallW, buf.lin[0], batch, width);
            } else if (out && smallOut) {
                MlpKernels.copyOut(w[l], spec.hidden(), width, true, smallW);
                MlpKernels.productFewColumns(h, smallW, buf.lin[l], batch, spec.hidden(), width);
            } else {
                Gemm.gemm(h, w[l], buf.lin[l], false, false, 1.0, 0.0);
            }
            INDArray gain = null;
            if (conditioned[l]) {
                if (gathered) gain = g[l];
                else {
                    gain = buf.gamma[l];
                    if (!merged) Gemm.gemm(buf.cond, g[l], gain, false, false, 1.0, 0.0);
                }
            }
            MlpKernels.forward(buf.lin[l], b[l], gain, conditioned[l] && gathered ? buf.steps : null, gBias[l], buf.pre[l],
                    out ? null : buf.act[l], activationCode, batch, width);
            h = buf.act[l];
        }
        last = buf;
        return h;
    }

    /** The conditioning's features of each row's time, integer times' kept from their first use (the same bits). */
    private void features(float[] tau, int batch, float[] out) {
        TimeConditioning cond = spec.conditioning();
        int c = cond.features();
        float[] one = new float[1];
        for (int i = 0; i < batch; i++) {
            float t = tau[i];
            if (i > 0 && Float.floatToRawIntBits(t) == Float.floatToRawIntBits(tau[i - 1])) { // a sampler's batch shares one time
                System.arraycopy(out, (i - 1) * c, out, i * c, c);
                continue;
            }
            int k = (int) t;
            if (k != t || k < 0 || k >= 1 << 16) {
                one[0] = t;
                float[] row = new float[c];
                cond.encode(one, 1, row);
                System.arraycopy(row, 0, out, i * c, c);
                continue;
            }
            if (k >= featureRows.length) featureRows = java.util.Arrays.copyOf(featureRows, Math.max(k + 1, 2 * featureRows.length));
            float[] row = featureRows[k];
            if (row == null) {
                one[0] = t;
                row = featureRows[k] = new float[c];
                cond.encode(one, 1, row);
            }
            System.arraycopy(row, 0, out, i * c, c);
        }
    }

    private void backwardFused(Buffers buf, INDArray gradOut) {
        INDArray dPre = gradOut;
        if (!dev.sftpg.nn.simd.FloatKernels.fits(gradOut)) {
            if (buf.gradIn == null) buf.gradIn = Nd4j.create(DataType.FLOAT, buf.batch, spec.outputDim());
            dPre = buf.gradIn.assign(gradOut);
        }
        for (int l = layers - 1; l >= 0; l--) {
            boolean out = l == layers - 1;
            int width = (int) buf.lin[l].size(1);
            if (!out) dPre = buf.dAct[l];
            INDArray dLin = dPre;
            if (conditioned[l]) {
                dLin = buf.dLin[l];
                MlpKernels.backward(dPre, buf.pre[l], out ? MlpKernels.IDENTITY : activationCode, gathered ? g[l] : buf.gamma[l],
                        gathered ? buf.steps : null, gBias[l], buf.lin[l], dLin, buf.scratch[l], dg[l], db[l], dgBias[l],
                        buf.batch, width, sums);
                if (!gathered && !merged) Gemm.gemm(buf.cond, buf.scratch[l], dg[l], true, false, 1.0, 1.0);
            } else {
                MlpKernels.backward(dPre, buf.pre[l], out ? MlpKernels.IDENTITY : activationCode, null, null, null, null, null, null,
                        null, db[l], null, buf.batch, width, sums);
            }
            INDArray in = l == 0 ? buf.input : buf.act[l - 1];
            if (out && smallOut) {
                int k = spec.hidden();
                MlpKernels.accumulateFewColumns(in, dLin, dw[l], buf.batch, k, width, smallAcc);
                MlpKernels.copyOut(w[l], k, width, true, smallW);
                MlpKernels.productFewInner(dLin, width, smallW, buf.dAct[l - 1], buf.batch, k);
                continue;
            }
            if (l == 0 && smallIn) MlpKernels.accumulateFewInner(in, spec.inputDim(), dLin, dw[0], buf.batch, width, smallAcc);
            else Gemm.gemm(in, dLin, dw[l], true, false, 1.0, 1.0);
            if (l > 0) Gemm.gemm(dLin, w[l], buf.dAct[l - 1], false, true, 1.0, 0.0);
        }
        if (merged) {
            Gemm.gemm(buf.cond, buf.dGammaAll, dGainAll, true, false, 1.0, 0.0);
            int c = spec.conditioning().features();
            for (int l = 0; l < layers; l++)
                if (conditioned[l]) MlpKernels.addRows(dGainBlock[l], dg[l], c, (int) dg[l].size(1));
        }
    }

    @Override
    public void backward(INDArray gradOut) {
        if (lastSplitRows > 0) {
            int batch = lastSplitRows + (int) partner.last.batch;
            if (gradOut.size(0) != batch) throw new IllegalStateException("backward needs a forward of the same batch size first");
            backwardHalves(gradOut.dataType() == DataType.FLOAT ? gradOut : gradOut.castTo(DataType.FLOAT), batch);
            return;
        }
        backwardWhole(gradOut);
    }

    private void backwardWhole(INDArray gradOut) {
        Buffers buf = last;
        if (buf == null || gradOut.size(0) != buf.batch)
            throw new IllegalStateException("backward needs a forward of the same batch size first");
        if (fused) {
            backwardFused(buf, gradOut.dataType() == DataType.FLOAT ? gradOut : gradOut.castTo(DataType.FLOAT));
            return;
        }
        INDArray dPre = gradOut.dataType() == store.dataType() ? gradOut : gradOut.castTo(store.dataType());
        for (int l = layers - 1; l >= 0; l--) {
            if (l < layers - 1) {
                spec.activation().backward(buf.pre[l], buf.dAct[l], buf.scratch[l]);
                dPre = buf.dAct[l];
            }
            INDArray dLin = dPre;
            if (conditioned[l]) {
                dLin = buf.dLin[l];
                dPre.mul(buf.gamma[l], dLin);
                // d gamma = dPre * lin (reuse the scratch buffer)
                dPre.mul(buf.lin[l], buf.scratch[l]);
                Gemm.gemm(buf.cond, buf.scratch[l], dg[l], true, false, 1.0, 1.0);
                if (dgBias[l] != null) Gemm.gemm(buf.ones, buf.scratch[l], dgBias[l], false, false, 1.0, 1.0);
            }
            INDArray in = l == 0 ? buf.input : buf.act[l - 1];
            Gemm.gemm(in, dLin, dw[l], true, false, 1.0, 1.0);
            Gemm.gemm(buf.ones, dLin, db[l], false, false, 1.0, 1.0);
            if (l > 0) Gemm.gemm(dLin, w[l], buf.dAct[l - 1], false, true, 1.0, 0.0);
        }
    }
}
