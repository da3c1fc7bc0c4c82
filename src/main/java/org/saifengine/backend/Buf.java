package org.saifengine.backend;

/**
 * An activation buffer owned by a {@link Backend}: a flat run of f32 values. The CPU backend keeps it in a Java
 * array; a GPU backend keeps it in device memory. Only the backend that allocated a buffer may use it.
 */
public interface Buf {
    /** Number of f32 elements. */
    long size();
}
