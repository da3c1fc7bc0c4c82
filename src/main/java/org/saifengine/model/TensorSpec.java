package org.saifengine.model;

/**
 * One entry of a model's tensor manifest.
 *
 * @param name  HF tensor name
 * @param shape the shape the config implies
 * @param need  whether the checkpoint must have it
 */
public record TensorSpec(String name, long[] shape, Need need) {
    public enum Need {
        /** Must be present. */
        REQUIRED,
        /** The unembedding of a tied model: read from the embedding when absent, ignored when present. */
        TIED
    }
}
