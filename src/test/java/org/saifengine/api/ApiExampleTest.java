package org.saifengine.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.saifengine.SharedData;
import org.saifengine.sae.Architecture;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.SaeWeights;
import org.saifengine.sae.SparseCode;
import org.saifengine.sae.format.SaeLensWriter;
import org.saifengine.steer.Positions;
import org.saifengine.steer.SteeringPlan;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The library example of docs/api.md, run as written (plus checks), so the documented code keeps working. */
class ApiExampleTest {
    @TempDir
    Path tmp;

    @Test
    void documentedExampleRuns() throws Exception {
        Path saeDir = tmp.resolve("sae");
        writeRandomSae(saeDir);
        String modelDir = SharedData.stories260K().toString();

        // ---- docs/api.md example begins
        try (Engine engine = Engine.load(modelDir)) {
            Completion plain = engine.generate("Once upon a time", GenerateOptions.greedy(24));
            System.out.println(plain.text());

            Sae sae = engine.loadSae(saeDir);                              // reads blocks.2.hook_resid_post
            SparseCode[] codes = engine.encode(sae, "Once upon a time", 5); // top 5 latents per token
            System.out.println("token 1 latents: " + java.util.Arrays.toString(codes[1].indices()));

            float[] direction = sae.decoderRow(7);                          // latent 7's decoder direction
            for (int i = 0; i < direction.length; i++) direction[i] *= 8f;  // strength 8
            SteeringPlan plan = SteeringPlan.simple(direction, sae.config().hookName(), Positions.ALL);
            Completion steered = engine.generate("Once upon a time", GenerateOptions.greedy(24).withSteering(plan));
            System.out.println(steered.text());
            // ---- docs/api.md example ends

            assertEquals(24, plain.tokenIds().length);
            assertEquals(5, codes.length);
            assertNotEquals(plain.text(), steered.text());
            assertEquals(engine.tokenizer().decode(plain.tokenIds(), true), plain.text());
        }
    }

    /** A small random SAELens-format SAE on stories260K's block-2 residual. */
    private static void writeRandomSae(Path dir) throws Exception {
        int dIn = 64, dSae = 32;
        SplittableRandom r = new SplittableRandom(1);
        float[] wEnc = new float[dIn * dSae], wDec = new float[dSae * dIn], bEnc = new float[dSae], bDec = new float[dIn];
        for (int i = 0; i < wEnc.length; i++) wEnc[i] = (float) (r.nextGaussian() / 8);
        for (int i = 0; i < wDec.length; i++) wDec[i] = (float) (r.nextGaussian() / 8);
        SaeConfig cfg = new SaeConfig(Architecture.STANDARD, dIn, dSae, 0, true, null, false,
                "blocks.2.hook_resid_post", "stories260K", "saelens");
        SaeLensWriter.write(Sae.create(cfg, SaeWeights.of(wEnc, bEnc, wDec, bDec)), dir);
    }
}
