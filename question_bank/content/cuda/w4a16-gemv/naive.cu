#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cstdint>

// One thread per output row, fp32 accumulation. Each thread walks its own row of packed weights, so the
// threads of a warp read addresses k/2 bytes apart (uncoalesced: one 32-byte sector per 4 useful bytes).
__global__ void w4a16_gemv_naive(const __half* x, const int* qweight, const __half* scales, __half* y, int n, int k) {
    const int row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= n) return;
    const int words = k / 8, groups = k / 128;
    float acc = 0.f;
    for (int w = 0; w < words; ++w) {
        const unsigned int packed = (unsigned int)qweight[(size_t)row * words + w];
        const float s = __half2float(scales[(size_t)row * groups + (8 * w) / 128]);
        for (int j = 0; j < 8; ++j) {
            const int q = (packed >> (4 * j)) & 0xF;           // nibble j holds k index 8w + j
            acc += (float)(q - 8) * s * __half2float(x[8 * w + j]);
        }
    }
    y[row] = __float2half_rn(acc);
}

extern "C" void solve(const __half* x, const int* qweight, const __half* scales, __half* y, int n, int k) {
    const int threads = 256;
    w4a16_gemv_naive<<<(n + threads - 1) / threads, threads>>>(x, qweight, scales, y, n, k);
}
