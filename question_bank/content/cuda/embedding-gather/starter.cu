#include <cuda_runtime.h>
#include <cuda_fp16.h>

// out[t * hidden + h] = table[ids[t] * hidden + h]. ids: [tokens] int32, table: [vocab, hidden] fp16,
// out: [tokens, hidden] fp16; all device pointers, row-major.
__global__ void embedding_gather(const int* ids, const __half* table, __half* out, int tokens, int hidden) {
    // Your kernel here.
}

extern "C" void solve(const int* ids, const __half* table, __half* out, int tokens, int vocab, int hidden) {
    int threads = 256;
    embedding_gather<<<tokens, threads>>>(ids, table, out, tokens, hidden);
}
