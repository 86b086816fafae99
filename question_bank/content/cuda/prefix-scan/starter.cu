#include <cuda_runtime.h>

// output[i] = input[0] + input[1] + ... + input[i] (inclusive prefix sum) for 0 <= i < n.
// input and output are device pointers to n int32 values. A kernel launch cannot see the results of other
// blocks of the same launch unless you arrange it: plan how block i learns the sum of everything before it.
__global__ void scan_kernel(const int* input, int* output, int n) {
    // Your kernel(s) here.
}

extern "C" void solve(const int* input, int* output, int n) {
    // Temporary device memory, if you need it: cudaMallocAsync(&ptr, bytes, 0) ... cudaFreeAsync(ptr, 0).
    int threads = 256;
    int blocks = (n + threads - 1) / threads;
    scan_kernel<<<blocks, threads>>>(input, output, n);
}
