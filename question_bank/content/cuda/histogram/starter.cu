#include <cuda_runtime.h>
#include <cstdint>

// counts[b] = number of i < n with data[i] == b, for 256 bins. All pointers are device pointers;
// counts starts as garbage.
__global__ void histogram(const uint8_t* data, int* counts, int n) {
    // Your kernel here.
}

extern "C" void solve(const uint8_t* data, int* counts, int n) {
    cudaMemsetAsync(counts, 0, 256 * sizeof(int), 0);
    int threads = 256;
    int blocks = (n + threads - 1) / threads;
    histogram<<<blocks, threads>>>(data, counts, n);
}
