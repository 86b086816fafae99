#include <cuda_runtime.h>

// Tiled transpose through shared memory.
//
// A 32x32 tile is read with each warp covering one 128-byte row segment of the input (coalesced), parked in
// shared memory, and written with each warp covering one 128-byte row segment of the output (coalesced). The
// transpose happens in shared memory: the write phase reads the tile column-wise. With a [32][32] tile a column
// lives in a single bank (stride 32 words), a 32-way bank conflict; padding each row to 33 words puts the 32
// elements of a column in 32 different banks.
//
// The block is 32x8 threads, so each thread moves 4 elements per tile: fewer, fatter blocks, and four
// independent loads in flight per thread to hide DRAM latency.
constexpr int TILE = 32;
constexpr int BLOCK_ROWS = 8;

__global__ void __launch_bounds__(TILE * BLOCK_ROWS)
transpose_tiled(const float* __restrict__ input, float* __restrict__ output, int rows, int cols) {
    __shared__ float tile[TILE][TILE + 1];  // +1: no bank conflicts on the column-wise read below

    const int tiles_y = (rows + TILE - 1) / TILE;
    const int col0 = blockIdx.x * TILE;  // first input column of this tile
    // Loop over tile rows in case rows needs more than gridDim.y (65535) tiles; the bound is uniform across the
    // block, so the __syncthreads below are never divergent.
    for (int tile_y = blockIdx.y; tile_y < tiles_y; tile_y += gridDim.y) {
        const int row0 = tile_y * TILE;  // first input row of this tile

        // Read: thread (x, y) loads input[row0 + y + k][col0 + x]; a warp reads 32 consecutive floats.
        const int c = col0 + threadIdx.x;
#pragma unroll
        for (int k = 0; k < TILE; k += BLOCK_ROWS) {
            const int r = row0 + threadIdx.y + k;
            if (r < rows && c < cols) tile[threadIdx.y + k][threadIdx.x] = input[static_cast<size_t>(r) * cols + c];
        }
        __syncthreads();

        // Write: thread (x, y) stores output[col0 + y + k][row0 + x] = input[row0 + x][col0 + y + k];
        // a warp writes 32 consecutive floats of one output row.
        const int out_c = row0 + threadIdx.x;  // column in the output = row in the input
#pragma unroll
        for (int k = 0; k < TILE; k += BLOCK_ROWS) {
            const int out_r = col0 + threadIdx.y + k;  // row in the output = column in the input
            if (out_r < cols && out_c < rows)
                output[static_cast<size_t>(out_r) * rows + out_c] = tile[threadIdx.x][threadIdx.y + k];
        }
        __syncthreads();  // the next tile overwrites `tile`
    }
}

extern "C" void solve(const float* input, float* output, int rows, int cols) {
    const dim3 threads(TILE, BLOCK_ROWS);
    const int tiles_y = (rows + TILE - 1) / TILE;
    const dim3 blocks((cols + TILE - 1) / TILE, tiles_y < 65535 ? tiles_y : 65535);
    transpose_tiled<<<blocks, threads>>>(input, output, rows, cols);
}
