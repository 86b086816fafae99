#include <cuda_runtime.h>
#include <math.h>

// output[r][c] = exp(input[r][c] - max_c input[r][c]) / sum_c exp(input[r][c] - max_c input[r][c])
// input and output are row-major [rows, cols] float32 device arrays.
__global__ void softmax_kernel(const float* input, float* output, int rows, int cols) {
    // Your kernel here.
}

extern "C" void solve(const float* input, float* output, int rows, int cols) {
    int threads = 256;
    softmax_kernel<<<rows, threads>>>(input, output, rows, cols);
}
