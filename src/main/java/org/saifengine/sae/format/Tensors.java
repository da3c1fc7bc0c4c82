package org.saifengine.sae.format;

import org.saifengine.io.InvalidFileException;
import org.saifengine.io.SafetensorsFile;
import org.saifengine.tensor.Tensor;

import java.util.Arrays;

/** Helpers the loaders share: fetch a tensor as f32 with a shape check, transpose. */
final class Tensors {
    private Tensors() {}

    /** The named tensor as f32 (bf16/f16 converted once), requiring the given shape. */
    static float[] get(SafetensorsFile f, String name, long... shape) throws InvalidFileException {
        Tensor t = f.get(name);
        requireShape(f, name, t.shape(), shape);
        return t.toFloatArray();
    }

    static float[] getOptional(SafetensorsFile f, String name, long... shape) throws InvalidFileException {
        return f.has(name) ? get(f, name, shape) : null;
    }

    static void requireShape(Object where, String name, long[] actual, long... expected) throws InvalidFileException {
        if (!Arrays.equals(actual, expected)) {
            throw new InvalidFileException("SAE tensor '" + name + "' in " + where + " has shape " + Arrays.toString(actual)
                    + " but the config says " + Arrays.toString(expected));
        }
    }

    /** [rows, cols] row-major to [cols, rows] row-major. */
    static float[] transpose(float[] a, int rows, int cols) {
        return org.saifengine.sae.SaeWeights.transpose(a, rows, cols);
    }

    static int toInt(long v, String what) throws InvalidFileException {
        if (v <= 0 || v > Integer.MAX_VALUE) throw new InvalidFileException(what + " " + v + " is out of range");
        return (int) v;
    }
}
