package org.saifengine.sae.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A buffer fill reports its progress after every forward pass, so that `sae train` shows a bar before step 1. */
class ActivationStoreFillTest {
    /** 40 windows of 10 vectors each, 2 floats per vector. */
    private static final ActivationSource SOURCE = new ActivationSource() {
        @Override
        public int tokens(int window) {
            return 10;
        }

        @Override
        public List<float[]> activations(List<Integer> windows) {
            List<float[]> out = new ArrayList<>();
            for (int w : windows) for (int i = 0; i < 10; i++) out.add(new float[]{w, i});
            return out;
        }
    };
    private static final List<Integer> WINDOWS = java.util.stream.IntStream.range(0, 40).boxed().toList();

    @Test
    void aFillReportsAfterEachForwardUpToTheBufferAndThenStopsWhenTheListenerIsRemoved() {
        ActivationStore store = new ActivationStore(SOURCE, WINDOWS, 250, 7);
        assertEquals(250, store.fillTarget());
        List<Long> seen = new ArrayList<>();
        store.onFill(seen::add);
        store.nextBatch(1);
        // 8 windows (80 vectors) per forward until at least 250: 80, 160, 240, 320
        assertEquals(List.of(80L, 160L, 240L, 320L), seen);
        store.onFill(null);
        store.nextBatch(320);  // the next fill happens with no listener
        assertEquals(4, seen.size());
    }

    @Test
    void aCorpusThatFitsIsCapturedOnceAndItsTargetIsTheCorpus() {
        ActivationStore store = new ActivationStore(SOURCE, WINDOWS, 1000, 7);
        assertEquals(400, store.fillTarget());
        List<Long> seen = new ArrayList<>();
        store.onFill(seen::add);
        store.nextBatch(1000);  // 2.5 passes over the cached corpus, which is captured only once
        assertEquals(List.of(80L, 160L, 240L, 320L, 400L), seen);
        assertEquals(40, store.windowsRun());
    }
}
