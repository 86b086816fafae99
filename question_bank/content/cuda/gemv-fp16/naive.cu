#include <cuda_fp16.h>
#include <cuda_runtime.h>

// One thread per output row, looping over the row. Adjacent threads read addresses cols * 2 bytes apart, so
// every warp load touches 32 different cache lines (uncoalesced): this is the classic slow GEMV.
__global__ void gemv_kernel(const __half* w, const __half* x, __half* y, int rows, int cols) {
    const int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    const __half* row = w + (size_t)r * cols;
    float acc = 0.0f;
    for (int j = 0; j < cols; ++j) acc += __half2float(row[j]) * __half2float(x[j]);
    y[r] = __float2half(acc);
}

extern "C" void solve(const __half* w, const __half* x, __half* y, int rows, int cols) {
    if (rows <= 0 || cols <= 0) return;
    const int threads = 256;
    gemv_kernel<<<(rows + threads - 1) / threads, threads>>>(w, x, y, rows, cols);
}
