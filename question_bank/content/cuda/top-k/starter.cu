#include <cuda_runtime.h>

// For every row r of logits [rows, vocab] (row-major fp32): the k largest values in descending order and their
// column indices; equal values are ordered by the lower index first.
//   values  [rows, k] fp32, indices [rows, k] int32
// All pointers are device pointers; 1 <= k <= min(64, vocab).
__global__ void topk_rows(const float* logits, float* values, int* indices, int vocab, int k) {
    // Your kernel here.
}

extern "C" void solve(const float* logits, float* values, int* indices, int rows, int vocab, int k) {
    topk_rows<<<rows, 256>>>(logits, values, indices, vocab, k);
}
