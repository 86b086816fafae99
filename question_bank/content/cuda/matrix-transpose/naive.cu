#include <cuda_runtime.h>

// One thread per element. Consecutive threads read consecutive elements of a row (coalesced), but their
// writes land `rows` floats apart in the output: every store of a warp touches 32 different 32-byte sectors.
__global__ void transpose_naive(const float* input, float* output, int rows, int cols) {
    const size_t index = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    const size_t total = static_cast<size_t>(rows) * cols;
    if (index >= total) return;
    const size_t i = index / cols;  // row of the input
    const size_t j = index % cols;  // column of the input
    output[j * rows + i] = input[index];
}

extern "C" void solve(const float* input, float* output, int rows, int cols) {
    const size_t total = static_cast<size_t>(rows) * cols;
    const int threads = 256;
    const unsigned blocks = static_cast<unsigned>((total + threads - 1) / threads);
    transpose_naive<<<blocks, threads>>>(input, output, rows, cols);
}
