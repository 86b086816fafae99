#include <cuda_fp16.h>
#include <cuda_runtime.h>

// y[r] = sum_j w[r][j] * x[j] for 0 <= r < rows; w is row-major [rows, cols] fp16, x is [cols] fp16,
// y is [rows] fp16. Accumulate in fp32.
__global__ void gemv_kernel(const __half* w, const __half* x, __half* y, int rows, int cols) {
    // Your kernel here.
}

extern "C" void solve(const __half* w, const __half* x, __half* y, int rows, int cols) {
    int threads = 256;
    gemv_kernel<<<(rows + threads - 1) / threads, threads>>>(w, x, y, rows, cols);
}
