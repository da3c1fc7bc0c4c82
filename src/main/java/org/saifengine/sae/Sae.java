package org.saifengine.sae;

import java.util.Arrays;

/**
 * A sparse autoencoder over one activation site. The base fixes the pipeline every architecture shares
 * (normalise input, subtract b_dec, x'W_enc, activation, decode as f W_dec + b_dec, undo normalisation); each
 * subclass supplies only its activation. Encode comes in three forms: {@link #encode(float[][], int)} (fused,
 * batched, multi-threaded, never builds a dense code; a single token is screened with an int8 copy of the encoder),
 * {@link #encodeExact(float[][], int)} (the same without the screen; identical results) and the plain
 * {@link #encodeDense(float[])} reference.
 */
public abstract sealed class Sae permits StandardSae, JumpReluSae, TopKSae, GatedSae {
    /** SAELens clamps decoder norms at this value when folding. */
    static final float MIN_NORM = 1e-8f;

    protected SaeConfig cfg;
    protected final SaeWeights w;

    protected Sae(SaeConfig cfg, SaeWeights w) {
        w.validate(cfg);
        this.cfg = cfg;
        this.w = w;
    }

    /** Builds the SAE class of the config's architecture, validating every tensor (shape, presence, finiteness). */
    public static Sae create(SaeConfig cfg, SaeWeights w) {
        return switch (cfg.architecture()) {
            case STANDARD -> new StandardSae(cfg, w);
            case JUMPRELU -> new JumpReluSae(cfg, w);
            case TOPK -> new TopKSae(cfg, w);
            case GATED -> new GatedSae(cfg, w);
        };
    }

    public SaeConfig config() { return cfg; }

    public SaeWeights weights() { return w; }

    public int dIn() { return cfg.dIn(); }

    public int dSae() { return cfg.dSae(); }

    /**
     * The activation of latent j given dot = x'·W_enc[:, j] (x' = normalised input minus b_dec). A value <= 0 means
     * inactive. TopK returns its selection score here (pre-activation, times the decoder norm when rescaling);
     * selecting the k largest positive scores equals SAELens's topk-then-relu.
     */
    abstract float activate(int j, float dot);

    /** Most latents a token may keep by construction (k for TopK, unbounded otherwise). */
    int naturalCapacity() { return Integer.MAX_VALUE; }

    /**
     * Skip bounds for the fused encoder: latent j can only be active when dot > cutoffs()[j] (null: never skip).
     * Bounds carry a margin of 1e-5 of the operands' size, so float rounding can never skip an active latent.
     */
    float[] cutoffs() { return null; }

    /** When the value is dot + floorBias()[j] wherever it is active (so a heap floor bounds dot too), else null. */
    float[] floorBias() { return null; }

    static float[] cutoffsFrom(float[] lower, float[] bias) {
        float[] c = new float[bias.length];
        for (int j = 0; j < c.length; j++) {
            float lo = lower == null ? 0f : Math.max(lower[j], 0f);
            c[j] = (lo - bias[j]) - 1e-5f * (Math.abs(lo) + Math.abs(bias[j])) - Float.MIN_NORMAL;
        }
        return c;
    }

    /** Factor applied to latent j's value when decoding (TopK with rescaling divides the decoder norm back out). */
    float decodeScale(int j) { return 1f; }

    // ---------------------------------------------------------------- input preparation

    /** Normalises x into out (length d_in) and subtracts b_dec when configured; returns the state to undo it. */
    public NormState prepareInput(float[] x, float[] out) {
        int d = cfg.dIn();
        if (x.length != d) throw new IllegalArgumentException("activation has width " + x.length + " but the SAE reads d_in=" + d);
        NormState ns = switch (cfg.normalization()) {
            case NONE, EXPECTED_AVERAGE_ONLY_IN -> NormState.IDENTITY;
            case CONSTANT_NORM_RESCALE -> {
                double ss = 0;
                for (float v : x) ss += (double) v * v;
                float coeff = (float) (Math.sqrt(d) / Math.sqrt(ss));
                yield new NormState(0f, coeff, 1f / coeff);
            }
            case LAYER_NORM -> {
                double mean = 0;
                for (float v : x) mean += v;
                mean /= d;
                double ss = 0;
                for (float v : x) ss += (v - mean) * (v - mean);
                double std = Math.sqrt(ss / Math.max(1, d - 1));
                yield new NormState((float) mean, (float) (1.0 / (std + 1e-5)), (float) std);
            }
        };
        float[] bDec = w.bDec();
        boolean sub = cfg.applyBDecToInput();
        for (int i = 0; i < d; i++) {
            float v = (x[i] - ns.shift()) * ns.scaleIn();
            out[i] = sub ? v - bDec[i] : v;
        }
        return ns;
    }

    // ---------------------------------------------------------------- encode

    /** The active latents of one activation vector, strongest first. */
    public SparseCode encode(float[] x) {
        return encode(new float[][]{x}, 0)[0];
    }

    /** Fused encode of a batch with the architecture's natural sparsity (k for TopK, all active otherwise). */
    public SparseCode[] encode(float[][] xs) {
        return encode(xs, 0);
    }

    /**
     * Fused encode of a batch of activation vectors, each of width d_in.
     * @param top if > 0, keep at most this many strongest latents per token (on top of the architecture's own limit)
     */
    public SparseCode[] encode(float[][] xs, int top) {
        return encode(xs, top, xs.length <= ScreenedEncoder.MAX_TOKENS);
    }

    /** Always through the int8 screen, whatever the batch size (tests, benchmarks); same results as the others. */
    public SparseCode[] encodeScreened(float[][] xs, int top) {
        return encode(xs, top, true);
    }

    /**
     * The same encode without the int8 screen: every latent's dot product from the f32 encoder rows. Returns exactly
     * what the screened encode returns (the screen only skips latents that provably cannot be selected).
     * {@link #encode(float[][], int)} takes this path for batches of more than {@link ScreenedEncoder#MAX_TOKENS}.
     */
    public SparseCode[] encodeExact(float[][] xs, int top) {
        return encode(xs, top, false);
    }

    private SparseCode[] encode(float[][] xs, int top, boolean screened) {
        int cap = naturalCapacity();
        if (top > 0) cap = Math.min(cap, top);
        float[][] prepared = new float[xs.length][];
        NormState[] norms = new NormState[xs.length];
        for (int t = 0; t < xs.length; t++) {
            prepared[t] = new float[cfg.dIn()];
            norms[t] = prepareInput(xs[t], prepared[t]);
        }
        return screened ? ScreenedEncoder.encode(this, prepared, norms, cap) : FusedEncoder.encode(this, prepared, norms, cap);
    }

    /** How many latents the int8 screen leaves to recompute exactly, per token (benchmarks, docs). */
    public int[] screenCandidates(float[][] xs, int top) {
        int cap = naturalCapacity();
        if (top > 0) cap = Math.min(cap, top);
        float[][] prepared = new float[xs.length][cfg.dIn()];
        for (int t = 0; t < xs.length; t++) prepareInput(xs[t], prepared[t]);
        return ScreenedEncoder.candidateCounts(this, prepared, cap);
    }

    /** Reference encode: the dense activation vector (width d_sae), computed the plain way. */
    public float[] encodeDense(float[] x) {
        float[] xp = new float[cfg.dIn()];
        prepareInput(x, xp);
        return denseFromDots(dots(xp));
    }

    /** x'·W_enc for every latent, by a plain loop over the encoder rows (reference path). */
    final float[] dots(float[] xp) {
        int dIn = cfg.dIn(), dSae = cfg.dSae();
        float[] rows = w.encoderRows();
        float[] acc = new float[dSae];
        for (int j = 0; j < dSae; j++) {
            float s = 0f;
            int row = j * dIn;
            for (int i = 0; i < dIn; i++) s += xp[i] * rows[row + i];
            acc[j] = s;
        }
        return acc;
    }

    /** Dense activations from the dot products; TopK overrides this with an explicit top-k selection. */
    float[] denseFromDots(float[] dots) {
        float[] out = new float[dots.length];
        for (int j = 0; j < dots.length; j++) out[j] = Math.max(0f, activate(j, dots[j]));
        return out;
    }

    // ---------------------------------------------------------------- decode

    /** Reconstruction of a sparse code: b_dec plus a gather of its decoder rows, then the normalisation undone. */
    public float[] decode(SparseCode code) {
        int dIn = cfg.dIn();
        float[] out = w.bDec().clone();
        float[] wDec = w.wDec();
        int[] idx = code.indices();
        float[] vals = code.values();
        for (int m = 0; m < idx.length; m++) {
            int j = idx[m];
            if (j < 0 || j >= cfg.dSae()) throw new IllegalArgumentException("latent " + j + " is outside [0, " + cfg.dSae() + ")");
            VectorOps.axpy(vals[m] * decodeScale(j), wDec, j * dIn, out, 0, dIn);
        }
        return denormalize(out, code.norm());
    }

    /** Reference decode of a dense activation vector. */
    public float[] decodeDense(float[] acts, NormState norm) {
        if (acts.length != cfg.dSae()) throw new IllegalArgumentException("activations have width " + acts.length + " but d_sae=" + cfg.dSae());
        int dIn = cfg.dIn();
        float[] out = new float[dIn];
        float[] wDec = w.wDec();
        for (int j = 0; j < acts.length; j++) {
            float a = acts[j] * decodeScale(j);
            if (a == 0f) continue;
            for (int d = 0; d < dIn; d++) out[d] += a * wDec[j * dIn + d];
        }
        for (int d = 0; d < dIn; d++) out[d] += w.bDec()[d];
        return denormalize(out, norm);
    }

    private static float[] denormalize(float[] y, NormState n) {
        if (n.scaleOut() != 1f || n.shift() != 0f) {
            for (int d = 0; d < y.length; d++) y[d] = y[d] * n.scaleOut() + n.shift();
        }
        return y;
    }

    /** decode(encode(x)). */
    public float[] reconstruct(float[] x) {
        return decode(encode(x));
    }

    /** The reconstruction error x - decode(encode(x)); adding it back to an edited reconstruction leaves the rest of x intact. */
    public float[] errorTerm(float[] x) {
        float[] r = reconstruct(x);
        float[] e = new float[x.length];
        for (int d = 0; d < x.length; d++) e[d] = x[d] - r[d];
        return e;
    }

    /** Decoder row j (a view copy), the direction latent j writes. */
    public float[] decoderRow(int j) {
        return Arrays.copyOfRange(w.wDec(), j * cfg.dIn(), (j + 1) * cfg.dIn());
    }

    // ---------------------------------------------------------------- folds

    /** L2 norm of each decoder row. */
    public float[] decoderNorms() {
        int dIn = cfg.dIn();
        float[] n = new float[cfg.dSae()];
        float[] wDec = w.wDec();
        for (int j = 0; j < n.length; j++) {
            double s = 0;
            for (int d = 0; d < dIn; d++) {
                float v = wDec[j * dIn + d];
                s += (double) v * v;
            }
            n[j] = (float) Math.sqrt(s);
        }
        return n;
    }

    /**
     * Rescales every decoder row to unit norm and pushes the norm into the encoder (W_enc columns, b_enc, and the
     * architecture's thresholds/biases), as SAELens's fold_W_dec_norm does; outputs are unchanged.
     */
    public void foldWDecNorm() {
        float[] norms = decoderNorms();
        for (int j = 0; j < norms.length; j++) norms[j] = Math.max(norms[j], MIN_NORM);
        int dIn = cfg.dIn(), dSae = cfg.dSae();
        float[] wDec = w.wDec(), rows = w.encoderRows();
        for (int j = 0; j < dSae; j++) {
            float n = norms[j];
            for (int d = 0; d < dIn; d++) {
                wDec[j * dIn + d] /= n;
                rows[j * dIn + d] *= n;
            }
        }
        foldEncoderExtras(norms);
        weightsChanged();
    }

    /** Architecture-specific part of the decoder-norm fold (b_enc, threshold, gate biases). */
    void foldEncoderExtras(float[] norms) {
        scale(w.bEnc(), norms);
    }

    static void scale(float[] a, float[] by) {
        if (a == null) return;
        for (int j = 0; j < a.length; j++) a[j] *= by[j];
    }

    /** Folds a dataset-wide input scale s (x -> x*s) into the weights and marks the input normalisation done. */
    public void foldActivationNormScalingFactor(float s) {
        if (!(s > 0f) || !Float.isFinite(s)) throw new IllegalArgumentException("activation scaling factor must be positive and finite, got " + s);
        for (int i = 0; i < w.encoderRows().length; i++) w.encoderRows()[i] *= s;
        for (int i = 0; i < w.wDec().length; i++) w.wDec()[i] /= s;
        for (int i = 0; i < w.bDec().length; i++) w.bDec()[i] /= s;
        cfg = cfg.withNormalization(Normalization.NONE);
        weightsChanged();
    }

    /** Drops everything cached from the weights (after a fold). */
    final void weightsChanged() {
        screen = null;
        onWeightsChanged();
    }

    /** Architecture-specific caches to drop or recompute when the weights change. */
    void onWeightsChanged() {}

    private volatile ScreeningCopy screen;

    /** The int8 screening copy of the encoder, built on first use (a quarter of the f32 encoder's bytes). */
    ScreeningCopy screeningCopy() {
        ScreeningCopy s = screen;
        if (s == null) {
            synchronized (this) {
                s = screen;
                if (s == null) screen = s = ScreeningCopy.of(w.encoderRows(), cfg.dIn(), cfg.dSae());
            }
        }
        return s;
    }

    /** Sets the hook name (e.g. when a format does not record it). */
    public void setHookName(String hook) {
        cfg = cfg.withHookName(hook);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[d_in=" + cfg.dIn() + ", d_sae=" + cfg.dSae()
                + (cfg.k() > 0 ? ", k=" + cfg.k() : "") + ", hook=" + cfg.hookName() + "]";
    }
}
