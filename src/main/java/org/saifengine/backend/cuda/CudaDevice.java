package org.saifengine.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * One CUDA device as the engine uses it: its primary context, one non-blocking stream that every launch and copy
 * goes through, the kernel modules (loaded lazily from the jar's /cuda/OP.fatbin resources), device allocations
 * and pinned host staging buffers. Only CUDA 13.0 driver functions are called (the 13.1 wrappers also expose newer
 * ones that a 13.0 driver lacks). Not thread-safe: one engine thread drives one device.
 */
public final class CudaDevice implements KernelRunner, AutoCloseable {
    private final CudaStatus status;
    private final int ordinal;
    private final CUctx_st context = new CUctx_st();
    private final CUstream_st stream = new CUstream_st();
    private final Map<String, CUmod_st> modules = new HashMap<>();
    private final Map<String, CUfunc_st> functions = new HashMap<>();
    private final Map<Long, DeviceBuffer> allocations = new HashMap<>();
    private final Map<MemorySegment, Long> pinned = new IdentityHashMap<>();
    private long allocatedBytes;
    private boolean closed;

    private CudaDevice(CudaStatus status, int ordinal) {
        this.status = status;
        this.ordinal = ordinal;
        Cuda.check(cudart.cuDevicePrimaryCtxRetain(context, ordinal), "cuDevicePrimaryCtxRetain");
        bind();
        Cuda.check(cudart.cuStreamCreate(stream, cudart.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    }

    /** Opens device 0, or throws IllegalStateException with the one-line reason there is none. */
    public static CudaDevice open() {
        return open(0);
    }

    /**
     * Opens the device of this ordinal (as the driver numbers the devices this process sees, i.e. after
     * CUDA_VISIBLE_DEVICES), or throws IllegalStateException with the one-line reason it cannot. The status describes
     * device 0 (the probe's); the nodes this is meant for carry one kind of GPU.
     */
    public static CudaDevice open(int ordinal) {
        CudaStatus s = CudaProbe.status();
        if (!s.available()) throw new IllegalStateException(s.describe());
        int[] count = new int[1];
        Cuda.check(cudart.cuDeviceGetCount(count), "cuDeviceGetCount");
        if (ordinal < 0 || ordinal >= count[0])
            throw new IllegalStateException("CUDA device " + ordinal + " does not exist: this process sees " + count[0] + " device(s)");
        return new CudaDevice(s, ordinal);
    }

    public CudaStatus status() {
        return status;
    }

    @Override
    public int smCount() {
        return status.smCount();
    }

    CUstream_st stream() {
        return stream;
    }

    /** Makes this device's context current on the calling thread (the driver API's context is per thread). */
    void bind() {
        Cuda.check(cudart.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    // ---- memory ------------------------------------------------------------------------------------------------

    public DeviceBuffer alloc(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("device allocation must be positive, got " + bytes);
        bind();
        long[] p = new long[1];
        int rc = cudart.cuMemAlloc(p, bytes);
        if (rc != cudart.CUDA_SUCCESS) {
            throw new CudaException("cuMemAlloc of " + bytes + " bytes failed: " + Cuda.errorName(rc)
                    + " (" + allocatedBytes + " bytes already allocated by the engine, " + freeMemory() + " free)");
        }
        DeviceBuffer b = new DeviceBuffer(p[0], bytes);
        allocations.put(b.address(), b);
        allocatedBytes += bytes;
        return b;
    }

    public void free(DeviceBuffer b) {
        if (b == null) return;
        DeviceBuffer owned = allocations.remove(b.address());
        if (owned == null) throw new IllegalArgumentException("buffer at 0x" + Long.toHexString(b.address()) + " was not allocated here");
        bind();
        Cuda.check(cudart.cuMemFree(owned.address()), "cuMemFree");
        allocatedBytes -= owned.bytes();
    }

    public long allocatedBytes() {
        return allocatedBytes;
    }

    public long freeMemory() {
        bind();
        try (SizeTPointer free = new SizeTPointer(1); SizeTPointer total = new SizeTPointer(1)) {
            Cuda.check(cudart.cuMemGetInfo(free, total), "cuMemGetInfo");
            return free.get();
        }
    }

    /** Page-locked host memory for fast, asynchronous uploads; freed by {@link #freePinned} or {@link #close}. */
    public MemorySegment allocPinned(long bytes) {
        bind();
        try (PointerPointer<?> p = new PointerPointer<>(1)) {
            Cuda.check(cudart.cuMemAllocHost(p, bytes), "cuMemAllocHost(" + bytes + ")");
            long address = p.get(0).address();
            MemorySegment seg = MemorySegment.ofAddress(address).reinterpret(bytes);
            pinned.put(seg, address);
            return seg;
        }
    }

    public void freePinned(MemorySegment seg) {
        Long address = pinned.remove(seg);
        if (address == null) throw new IllegalArgumentException("segment was not allocated by allocPinned");
        bind();
        Cuda.check(cudart.cuMemFreeHost(new RawPointer(address)), "cuMemFreeHost");
    }

    /** Copies {@code src} (any segment; heap segments go through a temporary native copy) into {@code dst}. */
    public void upload(DeviceBuffer dst, long dstOffset, MemorySegment src) {
        long n = src.byteSize();
        if (dstOffset < 0 || dstOffset + n > dst.bytes()) {
            throw new IllegalArgumentException("upload of " + n + " bytes at " + dstOffset + " overflows a buffer of " + dst.bytes());
        }
        bind();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = src.isNative() ? src : arena.allocate(n, 16).copyFrom(src);
            Cuda.check(cudart.cuMemcpyHtoDAsync(dst.address() + dstOffset, new RawPointer(host.address()), n, stream),
                    "cuMemcpyHtoDAsync");
            synchronize();
        }
    }

    public void upload(DeviceBuffer dst, MemorySegment src) {
        upload(dst, 0, src);
    }

    /** Copies {@code dst.byteSize()} bytes from the device into {@code dst}. */
    public void download(MemorySegment dst, DeviceBuffer src, long srcOffset) {
        long n = dst.byteSize();
        if (srcOffset < 0 || srcOffset + n > src.bytes()) {
            throw new IllegalArgumentException("download of " + n + " bytes at " + srcOffset + " overflows a buffer of " + src.bytes());
        }
        bind();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = dst.isNative() ? dst : arena.allocate(n, 16);
            Cuda.check(cudart.cuMemcpyDtoHAsync(new RawPointer(host.address()), src.address() + srcOffset, n, stream),
                    "cuMemcpyDtoHAsync");
            synchronize();
            if (host != dst) dst.copyFrom(host);
        }
    }

    public DeviceBuffer upload(float[] values) {
        DeviceBuffer b = alloc(Math.max(4, (long) values.length * Float.BYTES));
        if (values.length > 0) upload(b, MemorySegment.ofArray(values));
        return b;
    }

    public DeviceBuffer upload(int[] values) {
        DeviceBuffer b = alloc(Math.max(4, (long) values.length * Integer.BYTES));
        if (values.length > 0) upload(b, MemorySegment.ofArray(values));
        return b;
    }

    public float[] downloadFloats(DeviceBuffer src, int n) {
        float[] out = new float[n];
        if (n > 0) download(MemorySegment.ofArray(out), src, 0);
        return out;
    }

    public int[] downloadInts(DeviceBuffer src, int n) {
        int[] out = new int[n];
        if (n > 0) download(MemorySegment.ofArray(out), src, 0);
        return out;
    }

    /** Fills a buffer with a 32-bit pattern (0x7fc00000 = NaN poisons an output before a kernel test). */
    @Override
    public void fill32(DeviceBuffer b, int pattern) {
        bind();
        Cuda.check(cudart.cuMemsetD32Async(b.address(), pattern, b.bytes() / 4, stream), "cuMemsetD32Async");
    }

    public void copy(DeviceBuffer dst, DeviceBuffer src, long bytes) {
        if (bytes > dst.bytes() || bytes > src.bytes()) throw new IllegalArgumentException("copy of " + bytes + " bytes overflows");
        bind();
        Cuda.check(cudart.cuMemcpyDtoDAsync(dst.address(), src.address(), bytes, stream), "cuMemcpyDtoDAsync");
    }

    public void synchronize() {
        Cuda.check(cudart.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    // ---- kernels -----------------------------------------------------------------------------------------------

    /** Resource path of the fatbin of one op (one .cu file), as native/build-kernels.sh writes it. */
    public static String resourceOf(String op) {
        return "/cuda/" + op + ".fatbin";
    }

    /** True when the jar carries the compiled kernel of {@code op} (false on a build without nvcc 13.0). */
    public static boolean hasKernels(String op) {
        return CudaDevice.class.getResource(resourceOf(op)) != null;
    }

    CUfunc_st function(String op, String kernel) {
        String key = op + "/" + kernel;
        CUfunc_st f = functions.get(key);
        if (f != null) return f;
        CUmod_st module = modules.get(op);
        bind();
        if (module == null) {
            byte[] image = readResource(op);
            module = new CUmod_st();
            try (BytePointer data = new BytePointer(image.length + 1L)) {
                data.put(image).put(image.length, (byte) 0);
                Cuda.check(cudart.cuModuleLoadData(module, data), "cuModuleLoadData(" + op + ")");
            }
            modules.put(op, module);
        }
        f = new CUfunc_st();
        Cuda.check(cudart.cuModuleGetFunction(f, module, kernel), "cuModuleGetFunction(" + kernel + ")");
        functions.put(key, f);
        return f;
    }

    private static byte[] readResource(String op) {
        try (InputStream in = CudaDevice.class.getResourceAsStream(resourceOf(op))) {
            if (in == null) {
                throw new CudaException("CUDA kernel " + resourceOf(op) + " is not in the jar: it was built without nvcc 13.0"
                        + " (run native/build-kernels.sh --install, then mvn package)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("cannot read " + resourceOf(op) + ": " + e.getMessage());
        }
    }

    /** Launches {@code kernel} of {@code op} on this device's stream (asynchronous). */
    @Override
    public void launch(String op, String kernel, Launch l, KernelArgs args) {
        CUfunc_st f = function(op, kernel);
        Cuda.check(cudart.cuLaunchKernel(f, l.gridX(), l.gridY(), l.gridZ(), l.blockX(), 1, 1, l.sharedBytes(), stream,
                args.array(), null), "cuLaunchKernel(" + kernel + ")");
    }

    // ---- CUDA graphs ---------------------------------------------------------------------------------------------

    /** Starts recording this thread's launches on the stream into a graph (see {@link #endCapture}). */
    public void beginCapture() {
        bind();
        Cuda.check(cudart.cuStreamBeginCapture(stream, cudart.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture");
    }

    /** Ends the capture and instantiates the recorded work as a replayable graph. */
    public CudaGraph endCapture() {
        CUgraph_st graph = new CUgraph_st();
        Cuda.check(cudart.cuStreamEndCapture(stream, graph), "cuStreamEndCapture");
        CUgraphExec_st exec = new CUgraphExec_st();
        Cuda.check(cudart.cuGraphInstantiate(exec, graph, 0L), "cuGraphInstantiate");
        Cuda.check(cudart.cuGraphDestroy(graph), "cuGraphDestroy");
        return new CudaGraph(this, exec);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        bind();
        synchronize();
        for (DeviceBuffer b : new ArrayList<>(allocations.values())) cudart.cuMemFree(b.address());
        allocations.clear();
        for (Long address : new ArrayList<>(pinned.values())) cudart.cuMemFreeHost(new RawPointer(address));
        pinned.clear();
        for (CUmod_st m : modules.values()) cudart.cuModuleUnload(m);
        modules.clear();
        functions.clear();
        cudart.cuStreamDestroy(stream);
        cudart.cuDevicePrimaryCtxRelease(ordinal);
    }
}
