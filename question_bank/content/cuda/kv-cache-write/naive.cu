#include <cuda_runtime.h>
#include <cuda_fp16.h>

// One thread per (token, head, dim) element: decompose the index, look up the slot, compute the 4-D cache index.
__global__ void reshape_and_cache(const __half* key, const __half* value, __half* key_cache, __half* value_cache,
                                  const int* slot_mapping, int tokens, int num_kv_heads, int head_size,
                                  int block_size) {
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long per_token = (long long)num_kv_heads * head_size;
    if (i >= (long long)tokens * per_token) return;
    const long long t = i / per_token;
    const int h = (int)(i % per_token) / head_size;
    const int d = (int)(i % per_token) % head_size;
    const int slot = slot_mapping[t];
    if (slot < 0) return;  // padding token
    const long long block = slot / block_size, offset = slot % block_size;
    const long long dst = ((block * block_size + offset) * num_kv_heads + h) * head_size + d;
    key_cache[dst] = key[i];
    value_cache[dst] = value[i];
}

extern "C" void solve(const __half* key, const __half* value, __half* key_cache, __half* value_cache,
                      const int* slot_mapping, int tokens, int num_kv_heads, int head_size, int num_blocks,
                      int block_size) {
    const long long total = (long long)tokens * num_kv_heads * head_size;
    const int threads = 256;
    const long long blocks = (total + threads - 1) / threads;
    reshape_and_cache<<<(unsigned)blocks, threads>>>(key, value, key_cache, value_cache, slot_mapping, tokens,
                                                     num_kv_heads, head_size, block_size);
}
