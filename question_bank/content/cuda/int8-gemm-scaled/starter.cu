#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cstdint>

// out[i, j] = bf16( (sum_p a[i, p] * b[j, p]) * a_scale[i] * b_scale[j] )
// a: [m, k] int8 row-major, b: [n, k] int8 row-major (one row per output channel), a_scale: [m], b_scale: [n]
// fp32, out: [m, n] bf16 row-major. Accumulate the integer dot products in int32.
__global__ void int8_gemm(const int8_t* a, const int8_t* b, const float* a_scale, const float* b_scale,
                          __nv_bfloat16* out, int m, int n, int k) {
    // Your kernel here.
}

extern "C" void solve(const int8_t* a, const int8_t* b, const float* a_scale, const float* b_scale,
                      __nv_bfloat16* out, int m, int n, int k) {
    const dim3 block(128);
    const dim3 grid((n + 127) / 128, (m + 127) / 128);
    int8_gemm<<<grid, block>>>(a, b, a_scale, b_scale, out, m, n, k);
}
