package org.saifengine.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The model families the engine runs, by their Hugging Face {@code architectures} name. */
public enum Architecture {
    LLAMA("LlamaForCausalLM", "llama"),
    QWEN2("Qwen2ForCausalLM", "qwen2"),
    GEMMA2("Gemma2ForCausalLM", "gemma2");

    public final String hfName;
    public final String modelType;

    Architecture(String hfName, String modelType) {
        this.hfName = hfName;
        this.modelType = modelType;
    }

    public static String supported() {
        return Arrays.stream(values()).map(a -> a.hfName).collect(Collectors.joining(", "));
    }

    /** By HF architectures name (e.g. "LlamaForCausalLM") or model_type (e.g. "llama"). */
    public static Architecture of(String name) {
        for (Architecture a : values()) if (a.hfName.equals(name) || a.modelType.equals(name)) return a;
        throw new IllegalArgumentException("unsupported architecture '" + name + "' (supported: " + supported() + ")");
    }
}
