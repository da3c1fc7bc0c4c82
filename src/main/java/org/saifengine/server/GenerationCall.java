package org.saifengine.server;

import org.saifengine.api.SteeringHooks;
import org.saifengine.api.TextStream;
import org.saifengine.model.HookPoint;
import org.saifengine.model.Hooks;
import org.saifengine.model.Positions;
import org.saifengine.tokenizer.Tokenizer;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One request's link to the scheduler: turns its tokens into text pieces (and monitor values) on the scheduler
 * thread and hands them to the HTTP thread through a queue, so a slow client never stalls the batch.
 */
final class GenerationCall implements BatchScheduler.Sink {
    /** A token (finish == null) or the end of the generation. */
    record Event(int tokenId, String text, MonitorValues monitor, BatchScheduler.Finish finish, Exception error) {}

    /** Latent activations at the position that predicted a token. */
    record MonitorValues(int[] latents, float[] activations) {}

    final GenerationRequest request;
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final TextStream text;
    private final Map<Integer, MonitorValues> captured = new HashMap<>();
    private int generated;

    GenerationCall(GenerationRequest request, Tokenizer tokenizer) {
        this.request = request;
        this.text = new TextStream(tokenizer, request.stop());
    }

    /** The scheduler job for this call: its prompt, sampling, steering and monitor hooks. */
    BatchScheduler.JobSpec jobSpec(Set<Integer> stopIds, long deadlineNanos) {
        int n = request.promptIds().length;
        Hooks hooks = SteeringHooks.of(request.steering(), n);
        GenerationRequest.MonitorSpec m = request.monitor();
        if (m != null) {
            // The residual at position n-1+k predicts generated token k: read it after any steering at that point.
            Hooks capture = Hooks.builder().capture(HookPoint.parse(m.sae().hookPoint()), Positions.from(n - 1),
                    (seq, pos, x) -> captured.put(pos - (n - 1), values(m, x))).build();
            hooks = hooks.and(capture);
        }
        return new BatchScheduler.JobSpec(request.promptIds(), request.sampling(), request.maxTokens(), stopIds, hooks, deadlineNanos);
    }

    private static MonitorValues values(GenerationRequest.MonitorSpec m, float[] x) {
        if (m.latents().length > 0) return new MonitorValues(m.latents(), m.sae().activations(x, m.latents()));
        Registry.Latents top = m.sae().encode(x, m.top());
        return new MonitorValues(top.indices(), top.values());
    }

    @Override
    public boolean onToken(int tokenId, int step) {
        generated++;
        String piece = text.push(tokenId);
        events.add(new Event(tokenId, piece, captured.remove(step), null, null));
        return !text.stopped();
    }

    @Override
    public void onFinish(BatchScheduler.Finish reason, Exception error) {
        String rest = reason == BatchScheduler.Finish.STOP || reason == BatchScheduler.Finish.LENGTH ? text.finish() : "";
        events.add(new Event(-1, rest, null, reason, error));
    }

    int generated() { return generated; }
}
