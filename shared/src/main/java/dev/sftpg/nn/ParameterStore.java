package dev.sftpg.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * All of a network's parameters in one flat array, with a gradient array of the same layout. Layers see
 * shaped views into both. One flat array makes the optimiser one op, global-norm clipping one reduction,
 * and a weight broadcast one float blob.
 */
public final class ParameterStore {

    /** A named parameter tensor and how to initialise it. */
    public record Spec(String name, long[] shape, BiConsumer<INDArray, java.util.Random> init) {
        long length() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    /** Collects parameter specs while layers are constructed, then allocates them at once. */
    public static final class Builder {
        private final List<Spec> specs = new ArrayList<>();

        public void add(String name, long[] shape, BiConsumer<INDArray, java.util.Random> init) {
            for (Spec s : specs)
                if (s.name.equals(name)) throw new IllegalArgumentException("duplicate parameter name " + name);
            specs.add(new Spec(name, shape.clone(), init));
        }

        public ParameterStore build(DataType dtype, long seed) {
            return new ParameterStore(specs, dtype, seed);
        }
    }

    private final DataType dtype;
    private final INDArray params;
    private final INDArray grads;
    private final Map<String, INDArray> paramViews = new LinkedHashMap<>();
    private final Map<String, INDArray> gradViews = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    private ParameterStore(List<Spec> specs, DataType dtype, long seed) {
        this.dtype = dtype;
        long total = specs.stream().mapToLong(Spec::length).sum();
        params = Nd4j.create(dtype, 1, Math.max(1, total));
        grads = Nd4j.create(dtype, 1, Math.max(1, total));
        java.util.Random rng = new java.util.Random(seed);
        long offset = 0;
        for (Spec s : specs) {
            INDArray p = view(params, offset, s.shape);
            s.init.accept(p, rng);
            paramViews.put(s.name, p);
            gradViews.put(s.name, view(grads, offset, s.shape));
            shapes.put(s.name, s.shape.clone());
            offset += s.length();
        }
    }

    /** The same parameters (the same memory, as views) with gradients of its own, zero. */
    private ParameterStore(ParameterStore primary) {
        dtype = primary.dtype;
        params = primary.params;
        grads = Nd4j.create(dtype, primary.grads.shape());
        long offset = 0;
        for (Map.Entry<String, long[]> e : primary.shapes.entrySet()) {
            long[] shape = e.getValue();
            paramViews.put(e.getKey(), primary.paramViews.get(e.getKey()));
            gradViews.put(e.getKey(), view(grads, offset, shape));
            shapes.put(e.getKey(), shape.clone());
            long n = 1;
            for (long d : shape) n *= d;
            offset += n;
        }
    }

    /**
     * A store that shares this one's parameters and keeps its own gradients: a replica of a network that works on part
     * of a batch adds its gradients there, and they are summed into this store's afterwards.
     */
    public ParameterStore sharingParameters() {
        return new ParameterStore(this);
    }

    private static INDArray view(INDArray flat, long offset, long[] shape) {
        long[] stride = new long[shape.length];
        long st = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            stride[i] = st;
            st *= shape[i];
        }
        return Nd4j.create(flat.data(), shape, stride, offset, 'c');
    }

    public INDArray param(String name) {
        INDArray v = paramViews.get(name);
        if (v == null) throw new IllegalArgumentException("no parameter named " + name);
        return v;
    }

    public INDArray grad(String name) {
        return gradViews.get(name);
    }

    /** The flat parameter row vector [1, P] (live: writing it changes the network). */
    public INDArray flatParams() {
        return params;
    }

    /** The flat gradient row vector [1, P], same layout as {@link #flatParams()}. */
    public INDArray flatGrads() {
        return grads;
    }

    public long size() {
        return paramViews.values().stream().mapToLong(INDArray::length).sum();
    }

    public DataType dataType() {
        return dtype;
    }

    public Map<String, long[]> shapes() {
        return Collections.unmodifiableMap(shapes);
    }

    public void zeroGrads() {
        grads.assign(0);
    }

    /** All parameters as one float blob, in layout order. */
    public float[] toFloats() {
        return params.data().asFloat(); // params owns its whole buffer, so this is exactly the P values
    }

    /** Overwrites all parameters from a blob made by {@link #toFloats()} of a store with the same layout. */
    public void setFloats(float[] blob) {
        if (blob.length != params.length())
            throw new IllegalArgumentException("weight blob has " + blob.length + " values, network expects " + params.length());
        params.assign(Nd4j.createFromArray(blob).reshape(1, blob.length).castTo(dtype));
    }

    /** Copies every parameter of {@code other} (same layout) into this store. */
    public void copyFrom(ParameterStore other) {
        if (!other.shapes.keySet().equals(shapes.keySet()) || other.params.length() != params.length())
            throw new IllegalArgumentException("parameter layouts differ");
        params.assign(other.params);
    }
}
