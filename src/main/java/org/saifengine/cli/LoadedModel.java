package org.saifengine.cli;

import org.saifengine.backend.Backend;
import org.saifengine.io.ModelFiles;
import org.saifengine.model.LoadOptions;
import org.saifengine.model.Model;
import org.saifengine.tensor.MemoryBudget;

import java.io.IOException;
import java.nio.file.Path;

/** Model files plus the model built from them, closed together; shared by the CLI commands. */
record LoadedModel(ModelFiles files, Model model, Backend backend) implements AutoCloseable {

    static ModelFiles openFiles(String spec) throws IOException {
        return ModelFiles.open(spec);
    }

    static LoadedModel open(String spec, String dtype) throws IOException {
        return open(spec, dtype, new BackendOption());
    }

    /** Opens the model on the backend the --backend option resolves to (the CPU unless cuda was asked for). */
    static LoadedModel open(String spec, String dtype, BackendOption backendOption) throws IOException {
        return open(spec, dtype, backendOption, (MemoryBudget) null);
    }

    static LoadedModel open(String spec, String dtype, BackendOption backendOption, MemoryBudgetOption memory) throws IOException {
        return open(spec, dtype, backendOption, memory.budget());
    }

    /** As above, refusing a model that does not fit in the budget (null: the memory available now). */
    static LoadedModel open(String spec, String dtype, BackendOption backendOption, MemoryBudget budget) throws IOException {
        Backend backend = backendOption.create();
        ModelFiles files;
        LoadOptions options;
        try {
            options = LoadOptions.of(backend, dtype, budget);
            files = options.openFiles(spec);
        } catch (IOException | RuntimeException e) {
            backend.close();
            throw e;
        }
        try {
            return new LoadedModel(files, Model.load(files, options), backend);
        } catch (RuntimeException e) {
            files.close();
            backend.close();
            throw e;
        }
    }

    static int[] parseIds(String csv) {
        String[] parts = csv.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("token ids must be comma-separated integers, got '" + parts[i].trim() + "'");
            }
        }
        return ids;
    }

    @Override
    public void close() throws Exception {
        try {
            model.close();
            files.close();
        } finally {
            backend.close();
        }
    }
}
