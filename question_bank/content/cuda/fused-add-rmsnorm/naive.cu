#include <cuda_bf16.h>
#include <cuda_runtime.h>

// Two kernels: the residual add (residual <- bf16(x + residual)), then an RMSNorm of the new residual that
// reads it twice (sum of squares, then the write). One block of 256 threads per token, scalar accesses.
constexpr int kThreads = 256;

__global__ void add_residual(const __nv_bfloat16* x, __nv_bfloat16* residual, size_t count) {
    const size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) residual[i] = __float2bfloat16(__bfloat162float(x[i]) + __bfloat162float(residual[i]));
}

__global__ void rmsnorm_kernel(const __nv_bfloat16* residual, const __nv_bfloat16* weight, __nv_bfloat16* out,
                               int hidden, float eps) {
    __shared__ float s[kThreads];
    const int tid = threadIdx.x;
    const __nv_bfloat16* row = residual + (size_t)blockIdx.x * hidden;
    __nv_bfloat16* orow = out + (size_t)blockIdx.x * hidden;
    float sum = 0.0f;
    for (int j = tid; j < hidden; j += kThreads) {
        const float v = __bfloat162float(row[j]);
        sum += v * v;
    }
    s[tid] = sum;
    __syncthreads();
    for (int stride = kThreads / 2; stride > 0; stride >>= 1) {
        if (tid < stride) s[tid] += s[tid + stride];
        __syncthreads();
    }
    const float inv_rms = rsqrtf(s[0] / hidden + eps);
    for (int j = tid; j < hidden; j += kThreads)
        orow[j] = __float2bfloat16(__bfloat162float(row[j]) * inv_rms * __bfloat162float(weight[j]));
}

extern "C" void solve(const __nv_bfloat16* x, __nv_bfloat16* residual, const __nv_bfloat16* weight,
                      __nv_bfloat16* out, int tokens, int hidden, float eps) {
    if (tokens <= 0 || hidden <= 0) return;
    const size_t count = (size_t)tokens * hidden;
    add_residual<<<(unsigned)((count + kThreads - 1) / kThreads), kThreads>>>(x, residual, count);
    rmsnorm_kernel<<<tokens, kThreads>>>(residual, weight, out, hidden, eps);
}
