package org.saifengine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KernelGeometryTest {
    @Test
    void elementwiseCoversEveryElementWithOneBlockToSpare() {
        for (long n : new long[] {1, 255, 256, 257, 1 << 20, 3L * Integer.MAX_VALUE}) {
            Launch l = KernelGeometry.elementwise(n);
            assertEquals(256, l.blockX());
            assertTrue(l.threads() >= n, "covers " + n);
            assertTrue(l.threads() - n < 256, "at most one partial block for " + n);
        }
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.elementwise(0));
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.elementwise(256L * Integer.MAX_VALUE + 1024));
    }

    @Test
    void rmsnormBlockIsAWarpMultipleWithinLimits() {
        assertEquals(32, KernelGeometry.rmsnorm(1, 1).blockX());
        assertEquals(32, KernelGeometry.rmsnorm(1, 64).blockX());     // stories260K
        assertEquals(576, KernelGeometry.rmsnorm(3, 2304).blockX());  // Gemma-2-2B: 4 elements per thread
        assertEquals(1024, KernelGeometry.rmsnorm(1, 8192).blockX());
        assertEquals(1024, KernelGeometry.rmsnorm(1, 1 << 20).blockX());
        assertEquals(7, KernelGeometry.rmsnorm(7, 100).gridX());
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.rmsnorm(0, 64));
    }

    @Test
    void ropeNeedsAnEvenRotaryDimWithinTheHead() {
        assertEquals(KernelGeometry.ceilDiv(5 * 8 * 4, 256), KernelGeometry.rope(5, 8, 8, 8).gridX());
        assertTrue(KernelGeometry.rope(3, 2, 64, 32).threads() >= 3 * 2 * 16);
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.rope(1, 1, 64, 65));
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.rope(1, 1, 64, 31));
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.rope(1, 1, 64, 0));
    }

    @Test
    void prefillSharedMemoryFitsWithoutOptIn() {
        for (int hd : new int[] {1, 8, 32, 64, 96, 128, 129, 256}) {
            Launch l = KernelGeometry.attentionPrefill(17, 8, 4, hd);
            int tile = KernelGeometry.prefillKeyTile(hd);
            assertEquals((8 * hd + tile * (hd + 1) + tile * hd) * 4, l.sharedBytes());
            assertTrue(l.sharedBytes() <= 48 * 1024, "head_dim " + hd);
            assertEquals(3, l.gridX());
            assertEquals(8, l.gridY());
            assertEquals(256, l.blockX());
        }
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.attentionPrefill(1, 8, 3, 64));
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.attentionPrefill(1, 8, 8, 257));
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.attentionPrefill(0, 8, 8, 64));
    }

    @Test
    void decodeSplitsCoverTheLongestCacheAndFillTheGpu() {
        // batch 1, Gemma-2-2B (8 heads), 4096 keys, 132 SMs: ~33 splits wanted, 128 keys each.
        KernelGeometry.DecodePlan p = KernelGeometry.attentionDecode(1, 8, 4, 256, 4096, 132);
        assertEquals(128, p.splitLen());
        assertEquals(32, p.nSplits());
        assertTrue((long) p.splitLen() * p.nSplits() >= 4096);
        assertEquals(1L * 8 * 32 * 258, p.partialFloats());
        assertEquals(new Launch(32, 8, 1, 128, 0), p.split());
        assertEquals(new Launch(8, 1, 1, 128, 0), p.reduce());
        // short cache: one split of at least 64 keys
        KernelGeometry.DecodePlan one = KernelGeometry.attentionDecode(1, 8, 8, 64, 1, 132);
        assertEquals(64, one.splitLen());
        assertEquals(1, one.nSplits());
        // big batch: the batch already fills the GPU, so splits only bound the chunk length
        KernelGeometry.DecodePlan big = KernelGeometry.attentionDecode(64, 8, 4, 256, 1000, 132);
        assertTrue(big.splitLen() % 32 == 0 && big.splitLen() >= 64);
        assertTrue((long) big.splitLen() * big.nSplits() >= 1000);
        assertTrue((long) big.splitLen() * (big.nSplits() - 1) < 1000, "no empty trailing split");
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.attentionDecode(70000, 8, 4, 64, 10, 132));
    }

    @Test
    void saePlanKeepsAtMostOneTileOfCandidatesPerBlock() {
        KernelGeometry.SaePlan p = KernelGeometry.saeEncode(1, 2304, 16384, 64);
        assertEquals(64, p.kk());
        assertEquals(128, p.latentBlocks());
        assertEquals(128 * 64, p.candidatesPerToken());
        assertEquals(new Launch(128, 1, 1, 256, 0), p.encode());
        assertEquals(1, p.topk().gridX());
        // k larger than a tile: every latent of a block is a candidate
        KernelGeometry.SaePlan wide = KernelGeometry.saeEncode(65, 16, 300, 200);
        assertEquals(128, wide.kk());
        assertEquals(3, wide.latentBlocks());
        assertEquals(3, wide.encode().gridY());
        assertEquals(65L * 384, wide.candidateCount(65));
        assertTrue(wide.candidatesPerToken() >= 200);
        // k = d_sae when d_sae is not a tile multiple: candidates still hold every latent
        KernelGeometry.SaePlan all = KernelGeometry.saeEncode(2, 8, 5, 5);
        assertEquals(5, all.kk());
        assertEquals(1, all.latentBlocks());
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.saeEncode(1, 8, 16, 17));
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.saeEncode(1, 8, 4096, 1025));
        assertThrows(IllegalArgumentException.class, () -> KernelGeometry.saeEncode(1, 8, 16, 0));
    }

    @Test
    void gemvUsesOneWarpPerRow() {
        Launch l = KernelGeometry.gemv(2304, 2304);
        assertEquals(256, l.blockX());
        assertEquals(288, l.gridX());
        assertEquals(1, KernelGeometry.gemv(1, 7).gridX());
        assertEquals(2, KernelGeometry.gemv(9, 7).gridX());
        assertEquals(new Launch(3, 1, 1, 1024, 0), KernelGeometry.sampling(3, 256000));
        assertEquals(new Launch(2, 5, 1, 256, 0), KernelGeometry.saeDecode(5, 257));
    }

    @Test
    void launchRejectsWhatTheDriverWould() {
        assertThrows(IllegalArgumentException.class, () -> new Launch(1, 1, 1, 48, 0));
        assertThrows(IllegalArgumentException.class, () -> new Launch(1, 1, 1, 2048, 0));
        assertThrows(IllegalArgumentException.class, () -> new Launch(1, 65536, 1, 32, 0));
        assertThrows(IllegalArgumentException.class, () -> new Launch(1, 1, 1, 32, 48 * 1024 + 1));
        assertThrows(IllegalArgumentException.class, () -> new Launch(0, 1, 1, 32, 0));
    }
}
