#include <cuda_runtime.h>
// Stages a and b through shared memory and reads another warp's slot without __syncthreads().
__global__ void add(const float* a, const float* b, float* c, int n) {
    __shared__ float sa[256], sb[256];
    int base = blockIdx.x * 256;
    int t = threadIdx.x;
    int r = 255 - t;
    if (base + t < n) { sa[t] = a[base + t]; sb[t] = b[base + t]; }
    // missing __syncthreads();
    if (base + r < n) c[base + r] = sa[r] + sb[r];
}
extern "C" void solve(const float* a, const float* b, float* c, int n) { add<<<(n + 255) / 256, 256>>>(a, b, c, n); }
