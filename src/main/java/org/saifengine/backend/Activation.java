package org.saifengine.backend;

/** Gate activations of gated MLPs: SwiGLU uses SILU, Gemma's GeGLU uses GELU_TANH. */
public enum Activation {
    /** x * sigmoid(x) (HF "silu"). */
    SILU,
    /** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (HF "gelu_pytorch_tanh"). */
    GELU_TANH,
    /** 0.5 x (1 + erf(x / sqrt 2)) (HF "gelu"). */
    GELU;

    public static Activation fromHf(String name) {
        return switch (name) {
            case "silu", "swish" -> SILU;
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> GELU_TANH;
            case "gelu" -> GELU;
            default -> throw new IllegalArgumentException("unsupported activation '" + name
                    + "' (supported: silu, gelu_pytorch_tanh, gelu)");
        };
    }
}
