#include <cuda_runtime.h>

// Top-p (nucleus) sampling with the random number given, for each row r of probs [rows, vocab] (row-major fp32,
// each row a probability distribution):
//   1. rank tokens by probability, larger first, ties by lower index; keep the smallest top prefix whose
//      probabilities sum to >= p (all tokens if none does);
//   2. M = total probability of the kept tokens, t = u[r] * M;
//   3. token[r] = the first kept token, in increasing index order, at which the running sum of kept
//      probabilities exceeds t (the last kept token if rounding leaves none).
// All pointers are device pointers; p is 0.9.
__global__ void top_p_sample(const float* probs, const float* u, int* token, int vocab, float p) {
    // Your kernel here.
}

extern "C" void solve(const float* probs, const float* u, int* token, int rows, int vocab, float p) {
    top_p_sample<<<rows, 256>>>(probs, u, token, vocab, p);
}
