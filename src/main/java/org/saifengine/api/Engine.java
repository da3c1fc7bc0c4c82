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

    /** Loads a model (a Hugging Face directory) and its tokenizer on the CPU backend, weights as stored. */
    public static Engine load(String modelSpec) throws IOException {
        return load(modelSpec, LoadOptions.defaults());
    }

    public static Engine load(String modelSpec, LoadOptions options) throws IOException {
        ModelFiles files = ModelFiles.fromDirectory(Path.of(modelSpec));
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

    @Override
    public void close() throws Exception {
        try {
            model.close();
        } finally {
            files.close();
        }
    }
}
