package org.saifengine.saif;

import org.saifengine.backend.Backend;
import org.saifengine.backend.Buf;
import org.saifengine.io.ModelFiles;
import org.saifengine.model.Generator;
import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.LoadOptions;
import org.saifengine.model.Model;
import org.saifengine.model.ModelConfig;
import org.saifengine.model.Positions;
import org.saifengine.model.SamplingParams;
import org.saifengine.steer.SteeringPlan;
import org.saifengine.tokenizer.ChatMessage;
import org.saifengine.tokenizer.ChatTemplate;
import org.saifengine.tokenizer.Tokenizer;
import org.saifengine.tokenizer.Tokenizers;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@link LmSession} on the engine's own model, tokenizer and generator. */
public final class EngineSession implements LmSession {
    private final ModelFiles files;
    private final Model model;
    private final Tokenizer tokenizer;
    private final Optional<ChatTemplate> template;
    private final Set<Integer> stopIds = new HashSet<>();
    private final String id;
    private float[] lensScale;

    private EngineSession(ModelFiles files, Model model, Tokenizer tokenizer) {
        this.files = files;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = tokenizer.chatTemplate();
        for (int e : model.config().eosIds()) stopIds.add(e);
        stopIds.addAll(tokenizer.eosIds());
        this.id = files.id();
    }

    /** Opens a model (a Hugging Face directory) with its tokenizer. */
    public static EngineSession open(ModelFiles files) throws IOException {
        return open(files, LoadOptions.defaults());
    }

    /** As {@link #open(ModelFiles)}, refusing a model that does not fit in the budget (null: the memory available now). */
    public static EngineSession open(ModelFiles files, org.saifengine.tensor.MemoryBudget budget) throws IOException {
        return open(files, LoadOptions.defaults().withBudget(budget));
    }

    /** Opens a model on the backend (and weight dtype) of these options, e.g. a CUDA device. */
    public static EngineSession open(ModelFiles files, LoadOptions options) throws IOException {
        try {
            Model model = Model.load(files, options);
            return new EngineSession(files, model, Tokenizers.load(files));
        } catch (RuntimeException | IOException e) {
            files.close();
            throw e;
        }
    }

    public Model model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public String modelId() {
        return id;
    }

    @Override
    public int layers() {
        return model.config().layers();
    }

    @Override
    public int dModel() {
        return model.config().hiddenSize();
    }

    @Override
    public String formatPrompt(String userText) {
        return template.map(t -> t.render(List.of(new ChatMessage("user", userText)), true)).orElse(userText);
    }

    /** Token ids of a formatted prompt: a chat-rendered prompt already holds its special tokens. */
    public int[] encode(String formattedPrompt) {
        int[] ids = template.isPresent() ? tokenizer.encode(formattedPrompt, false) : tokenizer.encode(formattedPrompt);
        if (ids.length == 0) throw new IllegalArgumentException("the prompt encodes to no tokens");
        if (ids.length >= model.config().maxPositions())
            throw new IllegalArgumentException("the prompt has " + ids.length + " tokens but the model's context is "
                    + model.config().maxPositions() + " positions");
        return ids;
    }

    @Override
    public float[][][] readResiduals(List<SpannedPrompt> prompts, int[] layers, ReadPosition[] positions) {
        if (positions.length != layers.length)
            throw new IllegalArgumentException(layers.length + " layers but " + positions.length + " read positions");
        float[][][] out = new float[prompts.size()][layers.length][dModel()];
        List<Model.Input> inputs = new ArrayList<>();
        for (int li = 0; li < layers.length; li++)
            if (layers[li] < 0 || layers[li] >= layers()) throw new IllegalArgumentException("layer " + layers[li] + " is outside 0.." + (layers() - 1));
        for (int p = 0; p < prompts.size(); p++) {
            int[] ids = encode(prompts.get(p).text());
            Hooks.Builder hb = Hooks.builder();
            for (int li = 0; li < layers.length; li++) {
                // one mechanism for every read position: the mean of the residual over a token range
                int[] range = readRange(ids, prompts.get(p), positions[li]);
                float w = 1f / (range[1] - range[0]);
                float[] acc = out[p][li];
                hb.capture(HookPoint.residPost(layers[li]), Positions.range(range[0], range[1]), (seq, pos, x) -> {
                    for (int i = 0; i < x.length; i++) acc[i] += w * x[i];
                });
            }
            inputs.add(new Model.Input(model.newSequence(ids.length), ids, hb.build()));
        }
        model.forward(inputs, false);
        return out;
    }

    /** The token range [start, end) a read position averages over, for a prompt's ids. */
    public int[] readRange(int[] ids, SpannedPrompt prompt, ReadPosition position) {
        int n = ids.length;
        return switch (position) {
            case LAST -> new int[]{n - 1, n};
            case PROMPT_MEAN -> new int[]{0, n};
            case INSTRUCTION_MEAN -> spanTokens(ids, prompt);
        };
    }

    /**
     * The tokens [start, end) that cover the prompt's character span. The tokenizer keeps no offsets, so each
     * token's characters come from decoding the ids incrementally (special tokens as text); the span's text is then
     * looked up in that decoded text, at the occurrence nearest its place in the prompt (a decoder may drop or add a
     * few characters, e.g. SentencePiece's BOS and leading space). A token whose bytes only start a character (it
     * decodes to nothing yet) belongs to the span when that character does.
     */
    public int[] spanTokens(int[] ids, SpannedPrompt prompt) {
        int[] starts = new int[ids.length], ends = new int[ids.length];
        StringBuilder decoded = new StringBuilder();
        var dec = tokenizer.streamDecoder(false);
        for (int i = 0; i < ids.length; i++) {
            starts[i] = decoded.length();
            decoded.append(dec.push(ids[i]));
            ends[i] = decoded.length();
        }
        String text = decoded.toString(), span = prompt.span();
        int best = -1;
        for (int at = text.indexOf(span); at >= 0; at = text.indexOf(span, at + 1))
            if (best < 0 || Math.abs(at - prompt.spanStart()) < Math.abs(best - prompt.spanStart())) best = at;
        if (best < 0)
            throw new IllegalArgumentException("the instruction text '" + abbreviate(span) + "' is not in the prompt as the "
                    + "tokenizer decodes it, so read position instruction-mean cannot locate it");
        int a = best, b = best + span.length(), first = -1, last = -1;
        for (int i = 0; i < ids.length; i++) {
            boolean inside = starts[i] == ends[i] ? starts[i] >= a && starts[i] < b : starts[i] < b && ends[i] > a;
            if (inside) {
                if (first < 0) first = i;
                last = i;
            }
        }
        if (first < 0) throw new IllegalStateException("no token covers the instruction span");
        return new int[]{first, last + 1};
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    @Override
    public List<String> generate(List<GenerationRequest> requests) {
        List<Generator.Request> reqs = new ArrayList<>();
        for (GenerationRequest r : requests) {
            int[] ids = encode(r.formattedPrompt());
            SamplingParams sp = new SamplingParams((float) r.temperature(), 0, 1f, r.seed());
            Generator.Request g = Generator.Request.of(ids, sp, r.maxNewTokens()).withStopIds(stopIds);
            if (r.steering() != null) g = g.withHooks(hooks(r.steering(), ids.length));
            reqs.add(g);
        }
        List<String> out = new ArrayList<>();
        for (Generator.Result res : new Generator(model, null).generate(reqs)) {
            int[] gen = res.generatedIds();
            int n = gen.length;
            if (n > 0 && stopIds.contains(gen[n - 1])) n--;
            out.add(tokenizer.decode(java.util.Arrays.copyOf(gen, n), true));
        }
        return out;
    }

    /** The plan as an engine intervention: every position goes through {@link SteeringPlan#apply}. */
    public Hooks hooks(SteeringPlan plan, int promptLength) {
        HookPoint point = HookPoint.parse(plan.hookPoint());
        if (point.layer() >= layers())
            throw new IllegalArgumentException("steering layer " + point.layer() + " is outside the model's layers 0.." + (layers() - 1));
        if (plan.vector().length != dModel())
            throw new IllegalArgumentException("steering vector has " + plan.vector().length + " dims but d_model is " + dModel());
        return Hooks.builder().edit(point, Positions.all(), (pos, x) -> plan.apply(x, pos, promptLength)).build();
    }

    @Override
    public synchronized float[] logitLens(float[] direction) {
        ModelConfig c = model.config();
        int d = c.hiddenSize();
        if (direction.length != d) throw new IllegalArgumentException("direction has " + direction.length + " dims, d_model is " + d);
        Backend b = model.backend();
        if (lensScale == null) {
            // The final norm's effective scale (w, or 1 + w for Gemma): RMSNorm of a vector of ones is scale / sqrt(1 + eps).
            float[] ones = new float[d];
            java.util.Arrays.fill(ones, 1f);
            Buf x = b.allocate(d), y = b.allocate(d);
            b.upload(ones, 0, x, 0, d);
            b.rmsNorm(x, model.weights().finalNorm, c.rmsNormEps(), c.normPlusOne(), 1, d, y);
            float[] s = new float[d];
            b.download(y, 0, s, 0, d);
            float fix = (float) Math.sqrt(1.0 + c.rmsNormEps());
            for (int i = 0; i < d; i++) s[i] *= fix;
            lensScale = s;
        }
        float[] h = new float[d];
        for (int i = 0; i < d; i++) h[i] = direction[i] * lensScale[i];
        Buf hb = b.allocate(d), logits = b.allocate(c.vocabSize());
        b.upload(h, 0, hb, 0, d);
        b.matmul(hb, 1, model.weights().unembedding, null, logits);
        float[] out = new float[c.vocabSize()];
        b.download(logits, 0, out, 0, out.length);
        return out;
    }

    @Override
    public String tokenText(int id) {
        return tokenizer.tokenText(id);
    }

    @Override
    public void close() {
        try {
            model.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the model failed: " + e.getMessage(), e);
        } finally {
            files.close();
        }
    }
}
