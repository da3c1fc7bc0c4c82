package org.saifengine.cli;

import org.saifengine.io.InvalidFileException;
import org.saifengine.io.SafetensorsFile;
import org.saifengine.io.npy.NpyArray;
import org.saifengine.io.npy.NpyReader;
import org.saifengine.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/** Reads a [T, d] (or [d]) activation matrix from .npy or .safetensors (tensor "activations", or the only one). */
final class ActivationFiles {
    private ActivationFiles() {}

    static float[][] read(Path file) throws IOException {
        String n = file.getFileName().toString();
        long[] shape;
        float[] data;
        if (n.endsWith(".npy")) {
            NpyArray a = NpyReader.read(file);
            shape = a.shape();
            data = a.data();
        } else if (n.endsWith(".safetensors")) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                Tensor t;
                if (f.has("activations")) t = f.get("activations");
                else if (f.tensors().size() == 1) t = f.tensors().values().iterator().next();
                else throw new InvalidFileException(file + " has several tensors and none is named 'activations'");
                shape = t.shape();
                data = t.toFloatArray();
            }
        } else {
            throw new IOException("activations file must be .npy or .safetensors: " + file);
        }
        if (shape.length == 1) shape = new long[]{1, shape[0]};
        if (shape.length != 2) throw new InvalidFileException(file + ": activations must be [tokens, d_in], got " + Arrays.toString(shape));
        int t = (int) shape[0], d = (int) shape[1];
        float[][] out = new float[t][];
        for (int i = 0; i < t; i++) out[i] = Arrays.copyOfRange(data, i * d, (i + 1) * d);
        return out;
    }
}
