package org.saifengine.saif;

import org.saifengine.io.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** The built-in tasks (src/main/resources/saif/tasks/*.json) and loading of a task by name or file path. */
public final class TaskSuite {
    private TaskSuite() {}

    /** The built-in tasks, instruction tasks first. */
    public static final List<String> BUILT_IN = List.of("translate-fr", "translate-es", "summary", "keywords",
            "lowercase", "capitals", "json", "no-commas", "concept-she");

    /** Loads a built-in task by name, or a task file when the argument ends in .json. */
    public static Task load(String nameOrPath) throws IOException {
        if (nameOrPath.endsWith(".json")) {
            Path p = Path.of(nameOrPath);
            return Task.fromJson(Json.read(p), p.toString());
        }
        String res = "saif/tasks/" + nameOrPath + ".json";
        try (InputStream in = TaskSuite.class.getClassLoader().getResourceAsStream(res)) {
            if (in == null) throw new IllegalArgumentException("unknown task '" + nameOrPath + "'; built-in tasks: "
                    + String.join(", ", BUILT_IN) + " (or give a path to a task .json file)");
            return Task.fromJson(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), res), res);
        }
    }
}
