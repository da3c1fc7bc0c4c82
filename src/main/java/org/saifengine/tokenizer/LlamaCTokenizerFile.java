package org.saifengine.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * llama2.c's {@code tokenizer.bin} (written by its tokenizer.py export from a SentencePiece BPE model): an int32
 * max token length, then per piece a float32 score, an int32 byte length and the UTF-8 bytes, little-endian. The
 * export wrote '▁' as ' ' and BOS/EOS as "\n<s>\n" / "\n</s>\n"; this undoes that and yields the equivalent
 * SentencePiece model (BPE by score, byte fallback when all 256 {@code <0xXX>} pieces are present).
 */
final class LlamaCTokenizerFile {
    private LlamaCTokenizerFile() {}

    static SentencePieceModelFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("file not found: " + file);
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) throw new IOException("invalid llama2.c tokenizer " + file + ": shorter than its header");
        int maxLen = buf.getInt();
        if (maxLen <= 0 || maxLen > 1 << 16)
            throw new IOException("invalid llama2.c tokenizer " + file + ": max token length " + maxLen);
        List<SentencePieceModelFile.Piece> pieces = new ArrayList<>();
        int bos = -1, eos = -1, bytePieces = 0;
        while (buf.hasRemaining()) {
            int at = buf.position();
            if (buf.remaining() < 8) throw new IOException("invalid llama2.c tokenizer " + file + ": truncated piece at byte " + at);
            float score = buf.getFloat();
            int len = buf.getInt();
            if (len < 0 || len > maxLen || len > buf.remaining())
                throw new IOException("invalid llama2.c tokenizer " + file + ": piece length " + len + " at byte " + at);
            byte[] b = new byte[len];
            buf.get(b);
            String text = new String(b, StandardCharsets.UTF_8);
            int id = pieces.size();
            int type = SentencePieceModelFile.NORMAL;
            if (text.equals("\n<s>\n")) {
                text = "<s>";
                type = SentencePieceModelFile.CONTROL;
                bos = id;
            } else if (text.equals("\n</s>\n")) {
                text = "</s>";
                type = SentencePieceModelFile.CONTROL;
                eos = id;
            } else if (text.equals("<unk>") && id == 0) {
                type = SentencePieceModelFile.UNKNOWN;
            } else if (Decoder.byteToken(text) >= 0) {
                type = SentencePieceModelFile.BYTE;
                bytePieces++;
            } else {
                text = text.replace(' ', '▁');
            }
            pieces.add(new SentencePieceModelFile.Piece(text, score, type));
        }
        if (pieces.isEmpty()) throw new IOException("invalid llama2.c tokenizer " + file + ": no pieces");
        return new SentencePieceModelFile(pieces, SentencePieceModelFile.BPE, bytePieces == 256, 0, bos, eos,
                "identity", true, false, true);
    }
}
