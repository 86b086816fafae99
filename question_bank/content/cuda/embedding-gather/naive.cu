#include <cuda_runtime.h>
#include <cuda_fp16.h>

// One thread per output element over the flattened [tokens, hidden] output: each thread re-reads its token's
// id and copies one 2-byte half.
__global__ void embedding_gather_naive(const int* ids, const __half* table, __half* out, int tokens, int hidden) {
    const size_t index = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (index >= static_cast<size_t>(tokens) * hidden) return;
    const size_t t = index / hidden, h = index % hidden;
    out[index] = table[static_cast<size_t>(ids[t]) * hidden + h];
}

extern "C" void solve(const int* ids, const __half* table, __half* out, int tokens, int vocab, int hidden) {
    const size_t total = static_cast<size_t>(tokens) * hidden;
    const int threads = 256;
    const unsigned blocks = static_cast<unsigned>((total + threads - 1) / threads);
    embedding_gather_naive<<<blocks, threads>>>(ids, table, out, tokens, hidden);
}
