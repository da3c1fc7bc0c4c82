package org.saifengine.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece {@code tokenizer.model} (protobuf ModelProto), read with a minimal wire-format parser: the pieces
 * (text, score, type) and the trainer/normalizer settings the encoder needs.
 */
record SentencePieceModelFile(List<Piece> pieces, int modelType, boolean byteFallback, int unkId, int bosId,
                              int eosId, String normalizerName, boolean addDummyPrefix,
                              boolean removeExtraWhitespaces, boolean escapeWhitespaces) {

    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;
    static final int UNIGRAM = 1, BPE = 2;

    record Piece(String text, float score, int type) {}

    static SentencePieceModelFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("file not found: " + file);
        try {
            return parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IOException("invalid SentencePiece model " + file + ": " + e.getMessage(), e);
        }
    }

    static SentencePieceModelFile parse(byte[] data) throws IOException {
        List<Piece> pieces = new ArrayList<>();
        int modelType = UNIGRAM, unkId = 0, bosId = 1, eosId = 2;
        boolean byteFallback = false, addDummyPrefix = true, removeExtra = true, escape = true;
        String normName = "";
        Reader r = new Reader(data, 0, data.length);
        while (r.more()) {
            int tag = r.varint32();
            int field = tag >>> 3, wire = tag & 7;
            if (field == 1 && wire == 2) {
                pieces.add(parsePiece(r.sub()));
            } else if (field == 2 && wire == 2) { // TrainerSpec
                Reader t = r.sub();
                while (t.more()) {
                    int tt = t.varint32();
                    int f = tt >>> 3, w = tt & 7;
                    if (w != 0) { t.skip(w); continue; }
                    long v = t.varint();
                    switch (f) {
                        case 3 -> modelType = (int) v;
                        case 35 -> byteFallback = v != 0;
                        case 40 -> unkId = (int) v;
                        case 41 -> bosId = (int) v;
                        case 42 -> eosId = (int) v;
                        default -> { }
                    }
                }
            } else if (field == 3 && wire == 2) { // NormalizerSpec
                Reader n = r.sub();
                while (n.more()) {
                    int nt = n.varint32();
                    int f = nt >>> 3, w = nt & 7;
                    if (f == 1 && w == 2) normName = n.string();
                    else if (w == 0 && f == 3) addDummyPrefix = n.varint() != 0;
                    else if (w == 0 && f == 4) removeExtra = n.varint() != 0;
                    else if (w == 0 && f == 5) escape = n.varint() != 0;
                    else n.skip(w);
                }
            } else {
                r.skip(wire);
            }
        }
        if (pieces.isEmpty()) throw new IOException("no pieces (not a SentencePiece model?)");
        return new SentencePieceModelFile(pieces, modelType, byteFallback, unkId, bosId, eosId, normName,
                addDummyPrefix, removeExtra, escape);
    }

    private static Piece parsePiece(Reader r) throws IOException {
        String text = null;
        float score = 0;
        int type = NORMAL;
        while (r.more()) {
            int tag = r.varint32();
            int f = tag >>> 3, w = tag & 7;
            if (f == 1 && w == 2) text = r.string();
            else if (f == 2 && w == 5) score = Float.intBitsToFloat(r.fixed32());
            else if (f == 3 && w == 0) type = (int) r.varint();
            else r.skip(w);
        }
        if (text == null) throw new IOException("a piece without text");
        return new Piece(text, score, type);
    }

    /** Protobuf wire-format reader over a byte range; every read is bounds-checked. */
    private static final class Reader {
        private final byte[] data;
        private int pos;
        private final int limit;

        Reader(byte[] data, int pos, int limit) {
            this.data = data;
            this.pos = pos;
            this.limit = limit;
        }

        boolean more() {
            return pos < limit;
        }

        long varint() throws IOException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= limit) throw new IOException("truncated varint at byte " + pos);
                int b = data[pos++] & 0xFF;
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) return v;
            }
            throw new IOException("malformed varint at byte " + pos);
        }

        int varint32() throws IOException {
            return (int) varint();
        }

        int fixed32() throws IOException {
            need(4);
            int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16 | (data[pos + 3] & 0xFF) << 24;
            pos += 4;
            return v;
        }

        Reader sub() throws IOException {
            long len = varint();
            if (len < 0 || len > limit - pos) throw new IOException("field length " + len + " runs past the end at byte " + pos);
            Reader r = new Reader(data, pos, pos + (int) len);
            pos += (int) len;
            return r;
        }

        String string() throws IOException {
            Reader s = sub();
            return new String(data, s.pos, s.limit - s.pos, StandardCharsets.UTF_8);
        }

        void skip(int wire) throws IOException {
            switch (wire) {
                case 0 -> varint();
                case 1 -> { need(8); pos += 8; }
                case 2 -> sub();
                case 5 -> { need(4); pos += 4; }
                default -> throw new IOException("unsupported protobuf wire type " + wire + " at byte " + pos);
            }
        }

        private void need(int n) throws IOException {
            if (limit - pos < n) throw new IOException("truncated field at byte " + pos);
        }
    }
}
