package org.saifengine.io.npy;

import org.saifengine.tensor.Tensor;

import java.util.Arrays;

/**
 * One array read from a .npy file (or an .npz entry), converted to f32 at read time.
 *
 * @param descr the numpy dtype string of the file ("<f4", "<f2", "<i4" ...), kept for messages
 * @param shape dimensions in C order
 * @param data  the elements as f32 (integers are exact below 2^24)
 */
public record NpyArray(String descr, long[] shape, float[] data) {
    public NpyArray {
        shape = shape.clone();
        if (Tensor.numel(shape) != data.length) {
            throw new IllegalArgumentException("npy array of shape " + Arrays.toString(shape) + " holds " + data.length + " elements");
        }
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    @Override
    public String toString() {
        return "NpyArray[" + descr + " " + Arrays.toString(shape) + "]";
    }
}
