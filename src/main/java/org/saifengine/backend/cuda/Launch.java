package org.saifengine.backend.cuda;

/**
 * One kernel launch's geometry: grid and block dimensions and dynamic shared memory in bytes. Built and checked by
 * {@link KernelGeometry}; the limits are CUDA's (block <= 1024 threads, grid.y/z <= 65535, grid.x < 2^31).
 */
public record Launch(int gridX, int gridY, int gridZ, int blockX, int sharedBytes) {
    public static final int MAX_BLOCK = 1024;
    public static final int MAX_GRID_YZ = 65535;
    /** Shared memory a block may use without opting in (cuFuncSetAttribute). */
    public static final int DEFAULT_SHARED_LIMIT = 48 * 1024;

    public Launch {
        if (gridX < 1 || gridY < 1 || gridZ < 1) {
            throw new IllegalArgumentException("grid must be positive, got (" + gridX + ", " + gridY + ", " + gridZ + ")");
        }
        if (gridY > MAX_GRID_YZ || gridZ > MAX_GRID_YZ) {
            throw new IllegalArgumentException("grid.y and grid.z must be <= 65535, got (" + gridY + ", " + gridZ + ")");
        }
        if (blockX < 32 || blockX > MAX_BLOCK || blockX % 32 != 0) {
            throw new IllegalArgumentException("block must be a multiple of 32 in [32, 1024], got " + blockX);
        }
        if (sharedBytes < 0 || sharedBytes > DEFAULT_SHARED_LIMIT) {
            throw new IllegalArgumentException("dynamic shared memory must be in [0, 48 KiB], got " + sharedBytes);
        }
    }

    public static Launch of(long gridX, int blockX) {
        return new Launch(checkedGrid(gridX), 1, 1, blockX, 0);
    }

    static int checkedGrid(long gridX) {
        if (gridX > Integer.MAX_VALUE) throw new IllegalArgumentException("grid.x too large: " + gridX);
        return (int) gridX;
    }

    public long threads() {
        return (long) gridX * gridY * gridZ * blockX;
    }
}
