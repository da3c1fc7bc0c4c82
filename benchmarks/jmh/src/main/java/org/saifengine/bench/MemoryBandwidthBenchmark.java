package org.saifengine.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * The machine's memory bandwidth, on buffers far larger than the caches: the decode floor of a memory-bound
 * model is weight bytes / read bandwidth. One operation = 1 MiB, so the score in ops/s reads as MiB/s:
 * {@code copy} moves each MiB once (1 MiB read + 1 MiB written), {@code read} streams it through the Vector API
 * (what a GEMV over f32 weights does), single-threaded.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MemoryBandwidthBenchmark {
    static final int MIB_PER_BUFFER = 256;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    Arena arena;
    MemorySegment src, dst;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        long bytes = (long) MIB_PER_BUFFER << 20;
        src = arena.allocate(bytes, 64);
        dst = arena.allocate(bytes, 64);
        for (long i = 0; i < bytes / 4; i++) src.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 97) * 0.01f);
        dst.fill((byte) 1); // touch every page so the first copy does not measure page faults
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(MIB_PER_BUFFER)
    public void copy() {
        MemorySegment.copy(src, 0, dst, 0, src.byteSize());
    }

    @Benchmark
    @OperationsPerInvocation(MIB_PER_BUFFER)
    public float read() {
        FloatVector acc = FloatVector.zero(F);
        long step = F.vectorByteSize();
        long n = src.byteSize();
        for (long off = 0; off < n; off += step) {
            acc = acc.add(FloatVector.fromMemorySegment(F, src, off, ByteOrder.LITTLE_ENDIAN));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
