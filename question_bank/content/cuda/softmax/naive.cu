#include <cuda_runtime.h>
#include <math.h>

// One block of 256 threads per row, three passes over the row in global memory: the maximum, the sum of
// exp(x - max), then the normalized write. Each reduction goes through a shared-memory tree.
constexpr int kThreads = 256;

__global__ void softmax_rows(const float* input, float* output, int rows, int cols) {
    __shared__ float s[kThreads];
    const int row = blockIdx.x;
    const float* x = input + (size_t)row * cols;
    float* y = output + (size_t)row * cols;
    const int tid = threadIdx.x;

    float m = -INFINITY;
    for (int j = tid; j < cols; j += kThreads) m = fmaxf(m, x[j]);
    s[tid] = m;
    __syncthreads();
    for (int stride = kThreads / 2; stride > 0; stride >>= 1) {
        if (tid < stride) s[tid] = fmaxf(s[tid], s[tid + stride]);
        __syncthreads();
    }
    const float row_max = s[0];
    __syncthreads();

    float sum = 0.0f;
    for (int j = tid; j < cols; j += kThreads) sum += expf(x[j] - row_max);
    s[tid] = sum;
    __syncthreads();
    for (int stride = kThreads / 2; stride > 0; stride >>= 1) {
        if (tid < stride) s[tid] += s[tid + stride];
        __syncthreads();
    }
    const float row_sum = s[0];

    for (int j = tid; j < cols; j += kThreads) y[j] = expf(x[j] - row_max) / row_sum;
}

extern "C" void solve(const float* input, float* output, int rows, int cols) {
    if (rows <= 0 || cols <= 0) return;
    softmax_rows<<<rows, kThreads>>>(input, output, rows, cols);
}
