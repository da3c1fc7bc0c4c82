package org.saifengine.saif;

import org.junit.jupiter.api.Test;
import org.saifengine.SharedData;
import org.saifengine.saif.check.Checkers;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The built-in task suite: wording counts, contents from ../shared, a deterministic disjoint split, prompts. */
class TaskSuiteTest {

    @Test
    void everyInstructionTaskHasItsVariantsContentsAndChecker() throws Exception {
        System.setProperty("shared.dir", SharedData.root().toString());
        for (String name : TaskSuite.BUILT_IN) {
            Task t = TaskSuite.load(name);
            assertEquals(name, t.name());
            assertNotNull(Checkers.fromSpec(t.checker()));
            long english = t.variants().stream().filter(v -> v.language().equals("en")).count();
            assertTrue(english >= 8, name + " has " + english + " English paraphrases");
            Set<String> texts = new HashSet<>();
            t.variants().forEach(v -> assertTrue(texts.add(v.text()), name + ": duplicate wording " + v.text()));
            List<Content> all = ContentSources.load(t);
            if (t.kind().equals("instruction")) {
                assertTrue(t.variants().size() - english >= 4, name + " translations");
                assertTrue(all.size() >= 120, name + " has " + all.size() + " contents");
            }
            TaskContents a = TaskContents.load(t), b = TaskContents.load(t);
            assertEquals(a, b, "split is deterministic");
            Set<String> disc = new HashSet<>();
            a.discovery().forEach(c -> disc.add(c.id()));
            a.evaluation().forEach(c -> assertFalse(disc.contains(c.id()), "discovery and evaluation overlap"));
            assertEquals(all.size(), a.discovery().size() + a.evaluation().size());
        }
    }

    @Test
    void contentsComeFromSharedAndPromptsHaveBothPlacements() throws Exception {
        System.setProperty("shared.dir", SharedData.root().toString());
        Task fr = TaskSuite.load("translate-fr");
        List<Content> contents = ContentSources.load(fr);
        assertTrue(contents.stream().anyMatch(c -> c.id().startsWith("wikitext2:")));
        assertTrue(contents.stream().noneMatch(c -> c.text().contains("<unk>") || c.text().contains(" @-@ ")));
        Task lower = TaskSuite.load("lowercase");
        assertTrue(ContentSources.load(lower).stream().allMatch(c -> c.id().startsWith("ifeval:")));
        Content c = contents.getFirst();
        String post = PromptBuilder.userText(fr, c, fr.canonical(), Placement.POST);
        String pre = PromptBuilder.userText(fr, c, fr.canonical(), Placement.PRE);
        assertEquals(c.text() + "\n\nTranslate this text into French.", post);
        assertEquals("Translate this text into French.\n\n" + c.text(), pre);
        assertEquals(c.text(), PromptBuilder.userText(fr, c, null, Placement.POST));
    }

    @Test
    void badTasksAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> TaskSuite.load("no-such-task"));
        assertTrue(e.getMessage().contains("unknown task 'no-such-task'"));
        var json = org.saifengine.io.Json.MAPPER.createObjectNode().put("name", "x").put("kind", "instruction");
        json.putArray("paraphrases").add("only one");
        json.putObject("checker").put("type", "json");
        json.putArray("contents").addObject().put("source", "inline");
        var few = assertThrows(IllegalArgumentException.class, () -> Task.fromJson(json, "x.json"));
        assertTrue(few.getMessage().contains("English paraphrases"), few.getMessage());
    }
}
