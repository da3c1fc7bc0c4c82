package org.saifengine.saif;

import com.fasterxml.jackson.databind.JsonNode;
import org.saifengine.io.SafetensorsFile;
import org.saifengine.steer.Positions;
import org.saifengine.steer.SteeringPlan;
import org.saifengine.steer.SteeringVectors;
import org.saifengine.steer.StrengthSchedule;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A finished {@code saif find} run, read back: its config, its ranked latents with their coefficients and decoder
 * rows, and the dense difference-of-means direction of every layer.
 *
 * @param dir        the run directory
 * @param config     config.json
 * @param latents    latents.json
 * @param params     the find parameters
 * @param ranking    ranked latent ids (selection order; the first params.k are the selection)
 * @param coef       mean_P of each ranked latent
 * @param decoder    decoder row of each ranked latent
 * @param dom        [layer][d_model] mean(h_instr) - mean(h_no_instr) at the last prompt token
 */
public record SaifRun(Path dir, JsonNode config, JsonNode latents, SaifParams params, List<Integer> ranking,
                      float[] coef, float[][] decoder, float[][] dom) {

    public static SaifRun open(Path dir) throws IOException {
        RunFiles.requireRun(dir);
        JsonNode config = RunFiles.read(dir, RunFiles.CONFIG);
        JsonNode latents = RunFiles.read(dir, RunFiles.LATENTS);
        SaifParams params = SaifParams.fromJson(config.path("params"));
        List<Integer> ranking = new ArrayList<>();
        latents.path("ranking").forEach(n -> ranking.add(n.path("latent").asInt()));
        int layers = config.path("layers").asInt(), d = config.path("d_model").asInt();
        float[][] dom = new float[layers][];
        float[] coef = new float[ranking.size()];
        float[][] decoder = new float[ranking.size()][];
        try (SafetensorsFile st = SafetensorsFile.open(dir.resolve(RunFiles.DIRECTIONS))) {
            for (int l = 0; l < layers; l++) dom[l] = st.get("dom." + l).requireShape("dom." + l, d).toFloatArray();
            if (!ranking.isEmpty()) {
                float[] rows = st.get("saif.decoder").requireShape("saif.decoder", ranking.size(), d).toFloatArray();
                coef = st.get("saif.coef").requireShape("saif.coef", ranking.size()).toFloatArray();
                for (int r = 0; r < ranking.size(); r++) decoder[r] = java.util.Arrays.copyOfRange(rows, r * d, (r + 1) * d);
            }
        }
        return new SaifRun(dir, config, latents, params, List.copyOf(ranking), coef, decoder, dom);
    }

    public String task() {
        return config.path("task").asText();
    }

    public int saeLayer() {
        return config.path("sae_layer").asInt();
    }

    public int layers() {
        return config.path("layers").asInt();
    }

    public List<Integer> selected(int k) {
        return ranking.subList(0, Math.min(k, ranking.size()));
    }

    /** v = alpha * sum over the first k ranked latents of mean_P(a_j) * W_dec[j]. */
    public float[] saifVector(int k, double alpha) {
        int n = Math.min(k, ranking.size());
        if (n == 0) throw new IllegalStateException("the run selected no latents: nothing to steer with (see latents.json)");
        List<Integer> idx = new ArrayList<>();
        for (int r = 0; r < n; r++) idx.add(r);
        return SteeringVectors.saif(idx, coef, r -> decoder[r], alpha);
    }

    public static SteeringPlan plan(float[] vector, int layer, Positions positions, int fromStep, boolean renormalize) {
        return plan(vector, layer, positions, fromStep, StrengthSchedule.CONSTANT, renormalize);
    }

    public static SteeringPlan plan(float[] vector, int layer, Positions positions, int fromStep, StrengthSchedule schedule,
                                    boolean renormalize) {
        return new SteeringPlan(vector, "blocks." + layer + ".hook_resid_post", positions, fromStep, schedule, renormalize);
    }

    public void checkLayer(int layer) {
        if (layer < 0 || layer >= layers())
            throw new IllegalArgumentException("layer " + layer + " is outside the model's layers 0.." + (layers() - 1));
    }
}
