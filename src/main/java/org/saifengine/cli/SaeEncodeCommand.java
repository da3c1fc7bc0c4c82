package org.saifengine.cli;

import org.saifengine.io.Json;
import org.saifengine.sae.Sae;
import org.saifengine.sae.SparseCode;
import org.saifengine.sae.format.SaeFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code engine sae encode}: per token, its strongest SAE latents and their values. */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Encode activations with an SAE and print each token's top latents.")
public final class SaeEncodeCommand implements Callable<Integer> {
    @Option(names = "--sae", required = true, description = "SAE directory (SAELens, Gemma Scope, Llama Scope, sparsify) or params.npz")
    Path saePath;

    @Option(names = "--activations", description = "[tokens, d_in] activations (.npy or .safetensors) to encode")
    Path activations;

    @Option(names = "--top", defaultValue = "0", description = "keep at most N latents per token (default: all active)")
    int top;

    @Option(names = "--decode", description = "also print each token's reconstruction")
    boolean decode;

    @Option(names = "--fold-dec-norm", description = "fold decoder row norms into the encoder first (as SAELens fold_W_dec_norm)")
    boolean foldDecNorm;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (top < 0) throw new IllegalArgumentException("--top must be >= 0, got " + top);
        if (activations == null) throw new IllegalArgumentException("give --activations FILE");
        Sae sae = SaeFormats.load(saePath);
        if (foldDecNorm) sae.foldWDecNorm();
        float[][] xs = ActivationFiles.read(activations);
        SparseCode[] codes = sae.encode(xs, top);
        if (json) {
            List<Object> toks = new ArrayList<>();
            for (int t = 0; t < codes.length; t++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("indices", codes[t].indices());
                m.put("values", codes[t].values());
                if (decode) m.put("reconstruction", sae.decode(codes[t]));
                toks.add(m);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("format", sae.config().format());
            out.put("architecture", sae.config().architecture().saeLensName);
            out.put("tokens", toks);
            System.out.println(Json.write(out));
        } else {
            for (int t = 0; t < codes.length; t++) {
                StringBuilder sb = new StringBuilder("token ").append(t).append(':');
                for (int m = 0; m < codes[t].size(); m++) {
                    sb.append(String.format(" %d=%.4f", codes[t].indices()[m], codes[t].values()[m]));
                }
                System.out.println(sb);
            }
        }
        return 0;
    }
}
