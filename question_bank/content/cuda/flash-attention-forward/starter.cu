#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <mma.h>       // nvcuda::wmma, if you use it; inline PTX mma.sync / ldmatrix / cp.async also work

// Causal self-attention forward. q, k, v, out: [batch, heads, seq_len, 64] fp16, row-major (contiguous).
//   out[b, h, i, :] = sum_{j <= i} softmax_j(scale * q[b, h, i, :] . k[b, h, j, :]) * v[b, h, j, :]
// Softmax and accumulation in fp32. head_dim is 64; scale = 1/sqrt(64) = 0.125.
__global__ void flash_attention(const __half* q, const __half* k, const __half* v, __half* out, int seq_len,
                                float scale) {
    // Your kernel here.
}

extern "C" void solve(const __half* q, const __half* k, const __half* v, __half* out, int batch, int heads,
                      int seq_len, int head_dim, float scale) {
    const dim3 grid((seq_len + 63) / 64, batch * heads);
    flash_attention<<<grid, 128>>>(q, k, v, out, seq_len, scale);
}
