package org.saifengine.saif;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A task's contents split deterministically into discovery (latent finding) and evaluation (held out) sets: the
 * loaded list is shuffled with the task's split seed and cut at discoveryFraction.
 */
public record TaskContents(List<Content> discovery, List<Content> evaluation) {

    public static TaskContents load(Task task) throws IOException {
        return split(ContentSources.load(task), task.discoveryFraction(), task.splitSeed());
    }

    public static TaskContents split(List<Content> all, double discoveryFraction, long seed) {
        if (all.size() < 2) throw new IllegalArgumentException("need at least 2 contents to split, have " + all.size());
        List<Content> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new Random(seed));
        int cut = Math.max(1, Math.min(all.size() - 1, (int) Math.round(all.size() * discoveryFraction)));
        return new TaskContents(List.copyOf(shuffled.subList(0, cut)), List.copyOf(shuffled.subList(cut, shuffled.size())));
    }
}
