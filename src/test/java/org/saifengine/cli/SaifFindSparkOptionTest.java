package org.saifengine.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

/** `saif find --spark` without the saif-engine-spark module (never in the engine jar) fails with a pointer to it. */
class SaifFindSparkOptionTest {
    @Test
    void sparkWithoutTheModuleSaysWhatIsMissing() {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("saif", "find", "--model", "default", "--sae", "no-such-sae", "--task", "concept-she",
                "--out", "unused", "--spark", "local[2]");
        assertNotEquals(0, code);
        assertTrue(err.toString().contains("--spark needs the saif-engine-spark module"), err.toString());
    }
}
