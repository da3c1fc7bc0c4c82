package org.saifengine.backend.cuda;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.PrintWriter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the "gpu"-tagged tests without Maven (the GPU machine has no Maven and no network): benchmarks/gpu/run.sh
 * starts it with the jlink'ed runtime on engine.jar + test classes + the JUnit jars. Exit code 1 on any failure,
 * 2 when no test ran (a skipped GPU suite must not look like a pass).
 */
public final class GpuTestMain {
    public static void main(String[] args) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectPackage("org.saifengine"))
                .filters(TagFilter.includeTags("gpu"))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary s = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printTo(out);
        s.printFailuresTo(out, 30);
        if (s.getTotalFailureCount() > 0) System.exit(1);
        if (s.getTestsSucceededCount() == 0) {
            out.println("no GPU test ran (skipped: " + s.getTestsAbortedCount() + ", containers skipped/aborted: "
                    + s.getContainersAbortedCount() + ")");
            System.exit(2);
        }
        System.exit(0);
    }
}
