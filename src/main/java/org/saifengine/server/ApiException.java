package org.saifengine.server;

/** An HTTP error with the OpenAI-style body {"error":{"message","type","code"}}. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;

    public ApiException(int status, String type, String message) {
        super(message);
        this.status = status;
        this.type = type;
    }

    public int status() { return status; }

    public String type() { return type; }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "invalid_request_error", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found_error", message);
    }
}
