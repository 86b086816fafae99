#include <cuda_runtime.h>

// output[j * rows + i] = input[i * cols + j] for 0 <= i < rows, 0 <= j < cols. All pointers are device pointers.
__global__ void transpose(const float* input, float* output, int rows, int cols) {
    // Your kernel here.
}

extern "C" void solve(const float* input, float* output, int rows, int cols) {
    dim3 threads(32, 8);
    dim3 blocks((cols + 31) / 32, (rows + 31) / 32);
    transpose<<<blocks, threads>>>(input, output, rows, cols);
}
