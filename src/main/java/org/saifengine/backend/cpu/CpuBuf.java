package org.saifengine.backend.cpu;

import org.saifengine.backend.Buf;

/** A CPU activation buffer: a plain float array (Java arrays are the fastest thing the Vector API reads). */
final class CpuBuf implements Buf {
    final float[] a;

    CpuBuf(int n) {
        this.a = new float[n];
    }

    @Override
    public long size() { return a.length; }
}
