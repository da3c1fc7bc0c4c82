package org.saifengine.tensor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A memory budget checked before anything big is allocated (issue 9): a model, SAE or KV cache that would not fit
 * is refused up front with a message naming every size, instead of an OutOfMemoryError (or the kernel's OOM
 * killer) half-way through loading.
 *
 * <p>Usage: {@code MemoryBudget.fromOption(opt).require("load model X", MemoryBudget.offHeap("weights", w),
 * MemoryBudget.offHeap("KV cache", kv), MemoryBudget.onHeap("activations", a))}.
 *
 * <p>The default budget is the physical memory available now (Linux MemAvailable: free memory plus reclaimable
 * page cache, capped by the cgroup limit where there is one). Items marked on-heap must also fit in the JVM heap
 * that is still unused ({@code -Xmx} minus what is in use), since the heap cannot grow past {@code -Xmx} whatever
 * the machine has.
 *
 * @param limitBytes the most memory the items of one {@link #require} call may take together
 * @param source     where the limit came from, for messages (e.g. "--memory-budget 8g")
 */
public record MemoryBudget(long limitBytes, String source) {
    /** One thing that needs memory. */
    public record Item(String what, long bytes, boolean onHeap) {
        public Item {
            if (bytes < 0) throw new IllegalArgumentException(what + " needs a negative number of bytes: " + bytes);
        }
    }

    public MemoryBudget {
        if (limitBytes <= 0) throw new IllegalArgumentException("memory budget must be positive, got " + limitBytes + " bytes");
    }

    public static Item offHeap(String what, long bytes) { return new Item(what, bytes, false); }

    public static Item onHeap(String what, long bytes) { return new Item(what, bytes, true); }

    /** The budget from a {@code --memory-budget} value ("8g", "512MiB", "1.5GB", "1073741824"), or the detected default
     *  when the option is absent, blank or "auto". */
    public static MemoryBudget fromOption(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("auto")) return detect();
        return new MemoryBudget(parseBytes(spec), "--memory-budget " + spec.trim());
    }

    /** The source of a {@link #detect()}ed budget. */
    public static final String DETECTED = "available physical memory";

    /** The physical memory available now (see class comment). */
    public static MemoryBudget detect() {
        long avail = availablePhysicalBytes();
        return new MemoryBudget(Math.max(1, avail), DETECTED);
    }

    /**
     * Whether this budget is the memory available when it was detected (not a fixed --memory-budget): then what was
     * loaded since is no longer in it, and a later check should {@link #detect()} again and count only the new items.
     */
    public boolean detected() {
        return DETECTED.equals(source);
    }

    /**
     * This budget less the room something already loaded under it takes: a fixed budget shrinks by its bytes (and says
     * so in its messages); a detected one is returned as it is, the memory available no longer including them.
     */
    public MemoryBudget less(String what, long bytes) {
        if (detected() || bytes <= 0) return this;
        return new MemoryBudget(Math.max(1, limitBytes - bytes), source + ", less " + what + " " + human(bytes));
    }

    /**
     * Throws IllegalStateException naming every item and the limit unless the items fit together in this budget and
     * the on-heap ones also fit in the unused JVM heap. {@code task} says what is being attempted.
     */
    public void require(String task, Item... items) {
        long total = 0, heap = 0;
        for (Item i : items) {
            total = saturatingAdd(total, i.bytes);
            if (i.onHeap) heap = saturatingAdd(heap, i.bytes);
        }
        if (total > limitBytes) {
            throw new IllegalStateException(task + " needs " + human(total) + " (" + breakdown(items, false) + ") but the memory budget is "
                    + human(limitBytes) + " (" + source + "); lower what needs most or raise --memory-budget");
        }
        long heapFree = unusedHeapBytes();
        if (heap > heapFree) {
            throw new IllegalStateException(task + " needs " + human(heap) + " of Java heap (" + breakdown(items, true)
                    + ") but only " + human(heapFree) + " of the " + human(Runtime.getRuntime().maxMemory())
                    + " heap is unused; raise -Xmx (e.g. ENGINE_JAVA_OPTS=-Xmx" + suggestXmx(heap) + ")");
        }
    }

    /** Bytes of a KV cache: keys and values for every layer, KV head, position and sequence. */
    public static long kvCacheBytes(int layers, int kvHeads, int headDim, long positions, int sequences, DType dtype) {
        return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(2L * layers, (long) kvHeads * headDim),
                Math.multiplyExact(positions, (long) sequences)), (long) dtype.bytes);
    }

    /** Parses "123", "8g", "8G", "8GB", "8GiB", "512m", "1.5g", "64k", "2t" (binary units: k = 1024). */
    public static long parseBytes(String spec) {
        Matcher m = SIZE.matcher(spec.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read memory size '" + spec + "' (examples: 8g, 512m, 1.5GiB, 1073741824)");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit.isEmpty() ? ' ' : unit.charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        if (unit.equals("b")) shift = 0;
        double bytes = value * Math.pow(2, shift);
        if (bytes < 1 || bytes >= Long.MAX_VALUE) throw new IllegalArgumentException("memory size '" + spec + "' is out of range");
        return (long) bytes;
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kKmMgGtT](?:i?[bB])?|[bB])?");

    /** "1.5 GiB", "640 KiB", "12 B". */
    public static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    private static String breakdown(Item[] items, boolean heapOnly) {
        List<String> parts = new ArrayList<>();
        for (Item i : items) if (!heapOnly || i.onHeap) parts.add(i.what + " " + human(i.bytes));
        return String.join(" + ", parts);
    }

    private static String suggestXmx(long heapBytes) {
        long inUse = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        long gib = (saturatingAdd(heapBytes, inUse) >> 30) + 1;
        return gib + "g";
    }

    private static long saturatingAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    static long unusedHeapBytes() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Linux MemAvailable, capped by a cgroup v2/v1 limit; elsewhere the JVM's free-memory figure. */
    static long availablePhysicalBytes() {
        long avail = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    avail = Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                    break;
                }
            }
        } catch (IOException | NumberFormatException e) {
            avail = -1;
        }
        if (avail < 0) {
            var os = ManagementFactory.getOperatingSystemMXBean();
            avail = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getFreeMemorySize() : Runtime.getRuntime().maxMemory();
        }
        long cgroupRoom = cgroupRoom();
        return cgroupRoom >= 0 ? Math.min(avail, cgroupRoom) : avail;
    }

    /** Limit minus usage of this process's memory cgroup, or -1 when unlimited or unknown. */
    private static long cgroupRoom() {
        long v2 = room(Path.of("/sys/fs/cgroup/memory.max"), Path.of("/sys/fs/cgroup/memory.current"));
        if (v2 >= 0) return v2;
        return room(Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes"), Path.of("/sys/fs/cgroup/memory/memory.usage_in_bytes"));
    }

    private static long room(Path limitFile, Path usageFile) {
        try {
            String limit = Files.readString(limitFile).trim();
            if (limit.equals("max")) return -1;
            long l = Long.parseLong(limit), used = Long.parseLong(Files.readString(usageFile).trim());
            if (l >= (1L << 60)) return -1; // cgroup v1 writes a huge number for "unlimited"
            return Math.max(0, l - used);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
