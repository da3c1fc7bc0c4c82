package org.saifengine.saif;

import org.saifengine.steer.SteeringPlan;

import java.util.List;

/** What SAIF needs from a language model: prompt formatting, residual reads, steered generation, logit lens. */
public interface LmSession extends AutoCloseable {
    /** Short id of the model for reports. */
    String modelId();

    int layers();

    int dModel();

    /** The user text wrapped in the model's chat template (with the generation prompt), or unchanged without one. */
    String formatPrompt(String userText);

    /**
     * Residual stream after each listed block (resid_post) at the read position (averaged over the read position's
     * tokens), for several prompts in one batched forward pass: [prompt][layers.length][d_model].
     */
    default float[][][] readResiduals(List<SpannedPrompt> prompts, int[] layers, ReadPosition position) {
        ReadPosition[] ps = new ReadPosition[layers.length];
        java.util.Arrays.fill(ps, position);
        return readResiduals(prompts, layers, ps);
    }

    /**
     * As above, with a read position per entry: entry i reads layers[i] at positions[i] (a layer may appear twice,
     * read at two positions), still in one forward pass.
     */
    float[][][] readResiduals(List<SpannedPrompt> prompts, int[] layers, ReadPosition[] positions);

    /** Generates for several requests (batched where the engine can); outputs in request order. */
    List<String> generate(List<GenerationRequest> requests);

    /** Logit lens: the direction through the final norm's scale and the unembedding (vocabulary logits). */
    float[] logitLens(float[] direction);

    String tokenText(int id);

    @Override
    void close();

    /**
     * One generation.
     *
     * @param formattedPrompt prompt as fed to the tokenizer (already chat-wrapped)
     * @param steering        intervention, or null
     * @param maxNewTokens    cap on generated tokens
     * @param temperature     0 = greedy
     * @param seed            sampling seed
     */
    record GenerationRequest(String formattedPrompt, SteeringPlan steering, int maxNewTokens, double temperature, long seed) {
        public GenerationRequest {
            if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
            if (!(temperature >= 0) || Double.isInfinite(temperature))
                throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
    }
}
