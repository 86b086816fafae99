#include <cuda_runtime.h>

// One thread per row scanning it left to right; a strict '>' keeps the first (lowest) index on ties.
// Neighbouring threads read addresses vocab floats apart, so no load is coalesced.
__global__ void argmax_naive(const float* logits, int* out, int rows, int vocab) {
    const int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    const float* row = logits + static_cast<size_t>(r) * vocab;
    float best = row[0];
    int index = 0;
    for (int j = 1; j < vocab; ++j) {
        if (row[j] > best) {
            best = row[j];
            index = j;
        }
    }
    out[r] = index;
}

extern "C" void solve(const float* logits, int* out, int rows, int vocab) {
    const int threads = 128;
    const int blocks = (rows + threads - 1) / threads;
    argmax_naive<<<blocks, threads>>>(logits, out, rows, vocab);
}
