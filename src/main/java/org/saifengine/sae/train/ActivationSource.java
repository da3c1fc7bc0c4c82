package org.saifengine.sae.train;

import org.saifengine.model.HookPoint;
import org.saifengine.model.Model;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the training activations of token windows come from: the model run on the spot ({@link #model}), or vectors
 * collected beforehand ({@link CollectedActivations}). Windows are named by their index in the corpus.
 */
public interface ActivationSource {
    /** Vectors window w gives (its positions >= 1). */
    int tokens(int window);

    /** The hook's vectors for positions >= 1 of each window, windows in the given order. */
    List<float[]> activations(List<Integer> windows);

    /** Runs the model over the windows with a capture hook ({@link ActivationStore#capture}). */
    static ActivationSource model(Model model, HookPoint hook, List<int[]> windows) {
        return new ActivationSource() {
            @Override
            public int tokens(int window) {
                return windows.get(window).length - 1;
            }

            @Override
            public List<float[]> activations(List<Integer> group) {
                List<int[]> ids = new ArrayList<>(group.size());
                for (int w : group) ids.add(windows.get(w));
                return ActivationStore.capture(model, hook, ids);
            }
        };
    }
}
