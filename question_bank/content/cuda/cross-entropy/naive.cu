#include <cuda_runtime.h>

// One block per row, three steps: the row maximum (a shared-memory tree reduction), the sum of exp(x - max)
// (a second pass over the row and a second reduction), then the loss.
constexpr int THREADS = 256;

__global__ void cross_entropy(const float* logits, const int* targets, float* loss, int vocab) {
    __shared__ float red[THREADS];
    const size_t row = blockIdx.x;
    const float* x = logits + row * vocab;

    float m = -INFINITY;
    for (int i = threadIdx.x; i < vocab; i += THREADS) m = fmaxf(m, x[i]);
    red[threadIdx.x] = m;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) red[threadIdx.x] = fmaxf(red[threadIdx.x], red[threadIdx.x + s]);
        __syncthreads();
    }
    const float row_max = red[0];
    __syncthreads();

    float sum = 0.0f;
    for (int i = threadIdx.x; i < vocab; i += THREADS) sum += expf(x[i] - row_max);
    red[threadIdx.x] = sum;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) red[threadIdx.x] += red[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) loss[row] = row_max + logf(red[0]) - x[targets[row]];
}

extern "C" void solve(const float* logits, const int* targets, float* loss, int rows, int vocab) {
    cross_entropy<<<rows, THREADS>>>(logits, targets, loss, vocab);
}
