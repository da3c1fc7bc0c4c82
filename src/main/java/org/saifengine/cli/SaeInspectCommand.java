package org.saifengine.cli;

import org.saifengine.io.Json;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SaeConfig;
import org.saifengine.sae.format.SaeFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code engine sae inspect}: format, architecture, shapes and weight norms of an SAE. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Describe an SAE: format, architecture, shapes, norms.")
public final class SaeInspectCommand implements Callable<Integer> {
    @Option(names = "--sae", required = true, description = "SAE: directory, params.npz, or default")
    String saePath;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Sae sae = SaeFormats.load(saePath);
        SaeConfig c = sae.config();
        float[] dn = sae.decoderNorms();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", c.format());
        m.put("architecture", c.architecture().saeLensName);
        m.put("d_in", c.dIn());
        m.put("d_sae", c.dSae());
        if (c.k() > 0) m.put("k", c.k());
        m.put("hook_name", c.hookName());
        m.put("model_name", c.modelName());
        m.put("apply_b_dec_to_input", c.applyBDecToInput());
        m.put("normalize_activations", c.normalization().saeLensName);
        m.put("rescale_acts_by_decoder_norm", c.rescaleActsByDecoderNorm());
        m.put("W_enc_shape", new int[]{c.dIn(), c.dSae()});
        m.put("W_dec_shape", new int[]{c.dSae(), c.dIn()});
        m.put("W_dec_row_norm", stats(dn));
        m.put("b_dec_norm", norm(sae.weights().bDec()));
        if (json) {
            System.out.println(Json.write(m));
        } else {
            m.forEach((k, v) -> System.out.println(k + ": " + (v instanceof int[] a ? java.util.Arrays.toString(a) : v)));
        }
        return 0;
    }

    private static Map<String, Double> stats(float[] a) {
        double min = Double.MAX_VALUE, max = -Double.MAX_VALUE, sum = 0;
        for (float v : a) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("min", min);
        m.put("mean", sum / a.length);
        m.put("max", max);
        return m;
    }

    private static double norm(float[] a) {
        double s = 0;
        for (float v : a) s += (double) v * v;
        return Math.sqrt(s);
    }
}
