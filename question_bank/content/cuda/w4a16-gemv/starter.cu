#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cstdint>

// y[r] = sum_k (q[r, k] - 8) * scales[r, k / 128] * x[k]
// qweight: [n, k / 8] int32; word w of row r packs q[r, 8w .. 8w+7], nibble j (bits 4j .. 4j+3) = q[r, 8w + j],
// unsigned 0..15. scales: [n, k / 128] fp16, x: [k] fp16, y: [n] fp16. k is a multiple of 128.
__global__ void w4a16_gemv(const __half* x, const int* qweight, const __half* scales, __half* y, int n, int k) {
    // Your kernel here.
}

extern "C" void solve(const __half* x, const int* qweight, const __half* scales, __half* y, int n, int k) {
    const int threads = 256;
    w4a16_gemv<<<(n + threads - 1) / threads, threads>>>(x, qweight, scales, y, n, k);
}
