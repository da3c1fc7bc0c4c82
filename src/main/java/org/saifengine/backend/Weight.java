package org.saifengine.backend;

import org.saifengine.tensor.DType;

/**
 * A weight prepared by a {@link Backend} (see {@link Backend#weight}). Matrices are [rows, cols] row-major, as
 * Hugging Face stores {@code nn.Linear} weights ([out_features, in_features]); vectors have rows == 1.
 */
public interface Weight {
    String name();

    DType dtype();

    int rows();

    int cols();
}
