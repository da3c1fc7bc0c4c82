package org.saifengine.server;

/**
 * Network and per-request limits of the HTTP server.
 *
 * @param host              address to bind (loopback unless an API key is set)
 * @param port              port (0 = any free one)
 * @param apiKey            bearer key every /v1 and /metrics request must send, or null for none
 * @param maxBodyBytes      largest request body accepted (413 above)
 * @param maxPromptTokens   longest prompt accepted in tokens (400 above)
 * @param maxTokensLimit    largest max_tokens accepted (400 above)
 * @param defaultMaxTokens  max_tokens when a request gives none
 * @param requestTimeoutSeconds how long a generation may run before it is ended (504, or an error event in a stream)
 */
public record ServerOptions(String host, int port, String apiKey, int maxBodyBytes, int maxPromptTokens, int maxTokensLimit,
                            int defaultMaxTokens, int requestTimeoutSeconds) {
    public ServerOptions {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be within 0..65535, got " + port);
        if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("the API key is empty");
        if (maxBodyBytes <= 0 || maxPromptTokens <= 0 || maxTokensLimit <= 0 || defaultMaxTokens <= 0 || requestTimeoutSeconds <= 0) {
            throw new IllegalArgumentException("server limits must be positive");
        }
    }

    public static ServerOptions loopback(int port) {
        return new ServerOptions("127.0.0.1", port, null, 1 << 20, 4096, 1024, 128, 300);
    }
}
