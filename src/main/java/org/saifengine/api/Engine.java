package org.saifengine.api;

import org.saifengine.io.ModelFiles;
import org.saifengine.model.Generator;
import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.LoadOptions;
import org.saifengine.model.Model;
import org.saifengine.model.ModelConfig;
import org.saifengine.model.Positions;
import org.saifengine.model.Sequence;
import org.saifengine.tensor.DType;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SparseCode;
import org.saifengine.sae.format.SaeFormats;
import org.saifengine.tokenizer.ChatMessage;
import org.saifengine.tokenizer.Tokenizer;
import org.saifengine.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The engine as a library: a loaded model with its tokenizer, plus generation (optionally steered) and activation
 * reads. Thread-safe: the model runs one forward pass at a time, so calls from several threads interleave.
 *
 * <pre>{@code
 * try (Engine engine = Engine.load("../shared/models/stories260K")) {
 *     float[] direction = new float[engine.config().hiddenSize()];
 *     direction[0] = 1f;
 *     SteeringPlan plan = SteeringPlan.simple(direction, "blocks.2.hook_resid_post",
 *             org.saifengine.steer.Positions.GENERATED);
 *     Completion c = engine.generate("Once upon a time", GenerateOptions.greedy(32).withSteering(plan));
 *     System.out.println(c.text());
 *
 *     Sae sae = engine.loadSae(Path.of("my-sae"));                 // reads e.g. blocks.2.hook_resid_post
 *     SparseCode[] perToken = engine.encode(sae, "Once upon a time", 5);
 *     float[] latent7 = sae.decoderRow(7);                           // steer along one latent's direction
 *     for (int i = 0; i < latent7.length; i++) latent7[i] *= 4f;     // with strength 4
 *     SteeringPlan byLatent = SteeringPlan.simple(latent7, sae.config().hookName(),
 *             org.saifengine.steer.Positions.ALL);
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    private final ModelFiles files;
    private final Model model;
    private final Tokenizer tokenizer;
    private final String modelId;
    private final Set<Integer> stopIds;

    private Engine(ModelFiles files, Model model, Tokenizer tokenizer) {
        this.files = files;
        this.model = model;
        this.tokenizer = tokenizer;
        this.modelId = files.id();
        Set<Integer> ids = new HashSet<>(tokenizer.eosIds());
        for (int id : model.config().eosIds()) ids.add(id);
        this.stopIds = Set.copyOf(ids);
    }

    /** Loads a model ({@code default}, a .gguf file or a Hugging Face directory) and its tokenizer on the CPU, weights as stored. */
    public static Engine load(String modelSpec) throws IOException {
        return load(modelSpec, LoadOptions.defaults());
    }

    /** Loads on the options' backend (the caller closes a backend it created) with the options' weight dtype. */
    public static Engine load(String modelSpec, LoadOptions options) throws IOException {
        ModelFiles files = options.openFiles(modelSpec);
        try {
            Model model = Model.load(files, options);
            return new Engine(files, model, Tokenizers.load(files));
        } catch (IOException | RuntimeException e) {
            files.close();
            throw e;
        }
    }

    /** The model's id: its directory or file name (e.g. "stories260K"). */
    public String modelId() { return modelId; }

    public Model model() { return model; }

    public ModelConfig config() { return model.config(); }

    public Tokenizer tokenizer() { return tokenizer; }

    /** Ids that end generation: the tokenizer's end tokens and the model config's eos ids. */
    public Set<Integer> stopIds() { return stopIds; }

    /** Prompt text to ids, with the special tokens the tokenizer config adds (e.g. BOS). */
    public int[] encode(String text) {
        return tokenizer.encode(text);
    }

    /** Chat messages to prompt ids (chat template, or the plain-text fallback of {@link ChatPrompts}). */
    public int[] encodeChat(List<ChatMessage> messages) {
        return new ChatPrompts(tokenizer).encode(messages);
    }

    public Completion generate(String prompt, GenerateOptions options) {
        return generate(encode(prompt), options);
    }

    /** Generates one continuation (steered if the options carry a plan). */
    public Completion generate(int[] promptIds, GenerateOptions options) {
        Hooks hooks = SteeringHooks.of(options.steering(), promptIds.length);
        Generator.Request req = Generator.Request.of(promptIds, options.sampling(), options.maxTokens())
                .withStopIds(stopIds)
                .withStopStrings(options.stop())
                .withHooks(hooks.isEmpty() ? null : hooks);
        Generator gen = new Generator(model, options.stop().isEmpty() ? null : ids -> tokenizer.decode(ids, true));
        Generator.Result r = gen.generate(List.of(req)).get(0);
        TextStream text = new TextStream(tokenizer, options.stop());
        StringBuilder sb = new StringBuilder();
        for (int id : r.generatedIds()) sb.append(text.push(id));
        sb.append(text.finish());
        String finish = r.stopReason() == Generator.StopReason.MAX_TOKENS && !text.stopped() ? "length" : "stop";
        return new Completion(r.promptIds(), r.generatedIds(), sb.toString(), finish);
    }

    /**
     * The activation at a hook point for every prompt position ([tokens][d_model]), from one forward pass over the
     * prompt (no generation).
     */
    public float[][] activations(int[] promptIds, HookPoint point) {
        if (promptIds.length == 0) throw new IllegalArgumentException("the prompt is empty");
        if (point.layer() >= config().layers()) {
            throw new IllegalArgumentException("hook point " + point + " is outside the model's layers 0.." + (config().layers() - 1));
        }
        if (promptIds.length > config().maxPositions()) {
            throw new IllegalArgumentException("the prompt has " + promptIds.length + " tokens but the model's context is "
                    + config().maxPositions() + " positions");
        }
        float[][] out = new float[promptIds.length][];
        Hooks hooks = Hooks.builder().capture(point, Positions.all(), (seq, pos, x) -> out[pos] = x.clone()).build();
        Sequence seq = model.newSequence(promptIds.length);
        model.forward(List.of(new Model.Input(seq, promptIds, hooks)), false);
        return out;
    }

    /**
     * Loads an SAE (SAELens, sparsify, Llama Scope or Gemma Scope layout) and checks that it fits this model: its
     * d_in equals d_model and its hook point names a layer the model has.
     */
    public Sae loadSae(Path path) throws IOException {
        Sae sae = SaeFormats.load(path);
        saeHook(sae);
        return sae;
    }

    /** The hook point an SAE reads, checked against this model. */
    public HookPoint saeHook(Sae sae) {
        String hook = sae.config().hookName();
        if (hook == null) throw new IllegalArgumentException("the SAE does not say which hook point it reads (hook_name is missing)");
        HookPoint point = HookPoint.parse(hook);
        if (point.layer() >= config().layers()) {
            throw new IllegalArgumentException("the SAE reads " + hook + " but the model has layers 0.." + (config().layers() - 1));
        }
        if (sae.dIn() != config().hiddenSize()) {
            throw new IllegalArgumentException("the SAE reads vectors of width " + sae.dIn() + " but the model's d_model is " + config().hiddenSize());
        }
        return point;
    }

    /** The SAE's active latents for every token of a text (at most top per token, strongest first; 0 = all active). */
    public SparseCode[] encode(Sae sae, String text, int top) {
        return sae.encode(activations(encode(text), saeHook(sae)), top);
    }

    @Override
    public void close() throws Exception {
        try {
            model.close();
        } finally {
            files.close();
        }
    }
}
