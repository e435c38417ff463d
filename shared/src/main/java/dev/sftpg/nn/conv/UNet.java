package dev.sftpg.nn.conv;

import dev.sftpg.nn.Network;
import dev.sftpg.nn.ParameterStore;
import dev.sftpg.nn.TimeConditioning;
import dev.sftpg.nn.simd.Parallel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * The DDPM noise predictor for images (Ho et al., 2020, without attention, which this size does not need): a stem
 * conv; per resolution level a residual block whose output is kept for the skip connection, then a stride-2 conv
 * down; two residual blocks in the middle; per level on the way up the skip concatenated on channels, a residual
 * block, then nearest upsampling and a conv; GroupNorm, SiLU and a conv back to the image's channels. Sinusoidal
 * features of the (continuous) time go through a two-layer MLP and into every block. Samples arrive and leave
 * flattened ([B, C*H*W]) as every {@link Network} does; backpropagation is hand-written over libnd4j's conv ops.
 */
public final class UNet implements Network {
    private final UNetSpec spec;
    private final ParameterStore store;
    private final TimeConditioning.Sinusoidal timeFeatures;
    private final Dense time1, time2;
    private final Silu timeAct1 = new Silu(), timeAct2 = new Silu();
    private final Conv2d stem;
    private final List<ResBlock> down = new ArrayList<>(), up = new ArrayList<>();
    private final List<Conv2d> downsample = new ArrayList<>(), upConv = new ArrayList<>();
    private final List<Upsample> upsample = new ArrayList<>();
    private final ResBlock mid1, mid2;
    private final GroupNorm outNorm;
    private final Conv2d outConv;
    private final List<Layer> layers = new ArrayList<>();
    private final Scratch scratch = new Scratch();
    private final int levels;
    private int[] upInputChannels;
    private long batch = -1;
    private INDArray timeAct;

    public UNet(UNetSpec spec, DataType dtype, long seed) {
        this(spec, dtype, seed, null);
    }

    /** With {@code shared} non-null, a replica: the parameters of {@code shared}, gradients of its own. */
    private UNet(UNetSpec spec, DataType dtype, long seed, ParameterStore shared) {
        this.spec = spec;
        int[] w = spec.widths();
        levels = w.length;
        int tf = 4 * w[0];
        ParameterStore.Builder p = new ParameterStore.Builder();
        timeFeatures = new TimeConditioning.Sinusoidal(spec.timeEmbedding(), 10_000);
        time1 = new Dense(p, "time.l0", spec.timeEmbedding(), tf);
        time2 = new Dense(p, "time.l1", tf, tf);
        stem = new Conv2d(p, "stem", spec.channels(), w[0], 3, 1, false); // no gradient for the images
        int c = w[0];
        for (int l = 0; l < levels; l++) {
            down.add(new ResBlock(p, "down" + l, c, w[l], tf));
            c = w[l];
            if (l < levels - 1) downsample.add(new Conv2d(p, "down" + l + ".pool", c, c, 3, 2));
        }
        mid1 = new ResBlock(p, "mid0", c, c, tf);
        mid2 = new ResBlock(p, "mid1", c, c, tf);
        upInputChannels = new int[levels];
        for (int l = levels - 1; l >= 0; l--) {
            upInputChannels[l] = c;
            up.add(new ResBlock(p, "up" + l, c + w[l], w[l], tf));
            c = w[l];
            if (l > 0) {
                upsample.add(new Upsample());
                upConv.add(new Conv2d(p, "up" + l + ".conv", c, c, 3, 1));
            }
        }
        outNorm = GroupNorm.withSilu(p, "out.norm", c, GroupNorm.groupsFor(c));
        outConv = new Conv2d(p, "out.conv", c, spec.channels(), 3, 1);
        store = shared == null ? p.build(dtype, seed) : shared.sharingParameters();
        layers.addAll(List.of(time1, time2, stem, outNorm, outConv));
        layers.addAll(downsample);
        layers.addAll(upConv);
        for (Layer l : layers) l.bind(store);
        for (ResBlock b : down) b.bind(store);
        for (ResBlock b : up) b.bind(store);
        mid1.bind(store);
        mid2.bind(store);
    }

    @Override
    public UNetSpec spec() {
        return spec;
    }

    @Override
    public ParameterStore parameters() {
        return store;
    }

    @Override
    public int inputDim() {
        return spec.sampleSize();
    }

    @Override
    public int outputDim() {
        return spec.sampleSize();
    }

    private final List<INDArray> skips = new ArrayList<>();

    /** Fewest rows a replica gets: below this a batch is not split. */
    static final int MIN_SPLIT_ROWS = 8;
    /** The replicas that take parts 1.. of a split batch (part 0 is this network's), and their threads. */
    private final List<UNet> replicas = new ArrayList<>();
    private ExecutorService replicaThreads;
    /** Row boundaries of the parts of the latest forward when it was split, else null. */
    private long[] parts;

    @Override
    public INDArray forward(INDArray x, float[] tau) {
        if (x.rank() != 2 || x.size(1) != inputDim())
            throw new IllegalArgumentException("network expects input [B, " + inputDim() + "], got " + java.util.Arrays.toString(x.shape()));
        if (tau == null || tau.length < x.size(0)) throw new IllegalArgumentException("the UNet needs one time input per row");
        int k = (int) Math.min(Parallel.batchSplit(), x.size(0) / MIN_SPLIT_ROWS);
        if (k > 1) return forwardSplit(x, tau, k);
        parts = null;
        return forwardWhole(x, tau);
    }

    /**
     * The batch in {@code k} parts of consecutive rows, part i through replica i on its own thread (part 0 through this
     * network on the caller's); every sample goes through the same ops as in one batch.
     */
    private INDArray forwardSplit(INDArray x, float[] tau, int k) {
        long rows = x.size(0);
        parts = new long[k + 1];
        for (int i = 0; i <= k; i++) parts[i] = rows * i / k;
        INDArray out = scratch.get("splitOut", store.dataType(), rows, outputDim());
        runParts(k, i -> {
            UNet net = i == 0 ? this : replicas.get(i - 1);
            float[] t = java.util.Arrays.copyOfRange(tau, (int) parts[i], (int) parts[i + 1]);
            INDArray y = net.forwardWhole(x.get(NDArrayIndex.interval(parts[i], parts[i + 1]), NDArrayIndex.all()), t);
            out.get(NDArrayIndex.interval(parts[i], parts[i + 1]), NDArrayIndex.all()).assign(y);
        });
        return out;
    }

    /** Runs {@code part} for 0..k-1, part 0 on the caller's thread, the others on the replicas' threads. */
    private void runParts(int k, java.util.function.IntConsumer part) {
        while (replicas.size() < k - 1) replicas.add(new UNet(spec, store.dataType(), 0, store));
        if (replicaThreads == null || ((ThreadPoolExecutor) replicaThreads).getCorePoolSize() < k - 1) {
            if (replicaThreads != null) replicaThreads.shutdown();
            replicaThreads = Executors.newFixedThreadPool(k - 1, r -> {
                Thread t = new Thread(r, "sftpg-unet-replica");
                t.setDaemon(true);
                return t;
            });
        }
        List<Future<?>> others = new ArrayList<>();
        for (int i = 1; i < k; i++) {
            int p = i;
            others.add(replicaThreads.submit(() -> part.accept(p)));
        }
        RuntimeException failure = null;
        try {
            part.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the UNet's replicas ran", e);
            } catch (ExecutionException e) {
                if (failure == null) failure = new IllegalStateException("a UNet replica failed", e.getCause());
            }
        }
        if (failure != null) throw failure;
    }

    private INDArray forwardWhole(INDArray x, float[] tau) {
        batch = x.size(0);
        DataType dt = store.dataType();
        float[] features = new float[(int) batch * timeFeatures.features()];
        timeFeatures.encode(tau, (int) batch, features);
        INDArray t = Nd4j.create(features, new long[]{batch, timeFeatures.features()}, dt);
        timeAct = timeAct2.forward(time2.forward(timeAct1.forward(time1.forward(t))));

        INDArray h = stem.forward(x.castTo(dt).dup('c').reshape(batch, spec.channels(), spec.height(), spec.width()));
        skips.clear();
        for (int l = 0; l < levels; l++) {
            h = down.get(l).forward(h, timeAct);
            skips.add(h);
            if (l < levels - 1) h = downsample.get(l).forward(h);
        }
        h = mid2.forward(mid1.forward(h, timeAct), timeAct);
        for (int i = 0; i < levels; i++) {
            int l = levels - 1 - i;
            h = up.get(i).forward(concat(i, h, skips.get(l)), timeAct);
            if (l > 0) h = upConv.get(i).forward(upsample.get(i).forward(h));
        }
        h = outConv.forward(outNorm.forward(h));
        return h.reshape(batch, inputDim());
    }

    /** [h | skip] on the channel axis, in a kept buffer. */
    private INDArray concat(int i, INDArray h, INDArray skip) {
        INDArray cat = scratch.get("cat" + i, h.dataType(), batch, h.size(1) + skip.size(1), h.size(2), h.size(3));
        cat.get(NDArrayIndex.all(), NDArrayIndex.interval(0, h.size(1))).assign(h);
        cat.get(NDArrayIndex.all(), NDArrayIndex.interval(h.size(1), cat.size(1))).assign(skip);
        return cat;
    }

    /** Copies channels [from, from + target's channels) of {@code source} into {@code target}. */
    private static INDArray channels(INDArray target, INDArray source, long from) {
        return target.assign(source.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + target.size(1))));
    }

    @Override
    public void backward(INDArray gradOut) {
        if (parts == null) {
            backwardWhole(gradOut);
            return;
        }
        long[] p = parts;
        if (gradOut.size(0) != p[p.length - 1]) throw new IllegalStateException("backward needs a forward of the same batch size first");
        parts = null;
        int k = p.length - 1;
        runParts(k, i -> (i == 0 ? this : replicas.get(i - 1)).backwardWhole(
                gradOut.get(NDArrayIndex.interval(p[i], p[i + 1]), NDArrayIndex.all())));
        // the replicas' gradients into this network's store, in part order
        for (int i = 1; i < k; i++) {
            ParameterStore r = replicas.get(i - 1).store;
            store.flatGrads().addi(r.flatGrads());
            r.zeroGrads();
        }
    }

    private void backwardWhole(INDArray gradOut) {
        if (batch < 0 || gradOut.size(0) != batch)
            throw new IllegalStateException("backward needs a forward of the same batch size first");
        INDArray dTime = Nd4j.create(store.dataType(), batch, timeAct.size(1));
        INDArray dh = gradOut.castTo(store.dataType()).dup('c').reshape(batch, spec.channels(), spec.height(), spec.width());
        dh = outNorm.backward(outConv.backward(dh));
        INDArray[] dSkip = new INDArray[levels];
        for (int i = levels - 1; i >= 0; i--) {
            int l = levels - 1 - i;
            if (l > 0) dh = upsample.get(i).backward(upConv.get(i).backward(dh));
            INDArray dCat = up.get(i).backward(dh, dTime);
            int c = upInputChannels[l];
            dh = channels(scratch.get("dUp" + i, dCat.dataType(), batch, c, dCat.size(2), dCat.size(3)), dCat, 0);
            dSkip[l] = channels(scratch.get("dSkip" + i, dCat.dataType(), batch, dCat.size(1) - c, dCat.size(2), dCat.size(3)), dCat, c);
        }
        dh = mid1.backward(mid2.backward(dh, dTime), dTime);
        for (int l = levels - 1; l >= 0; l--) {
            if (l < levels - 1) dh = downsample.get(l).backward(dh);
            dh = down.get(l).backward(dh.addi(dSkip[l]), dTime);
        }
        stem.backward(dh);
        time1.backward(timeAct1.backward(time2.backward(timeAct2.backward(dTime))));
        skips.clear();
        batch = -1;
    }
}
