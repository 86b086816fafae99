#include <cuda_runtime.h>
#include <cuda_fp16.h>

// vLLM reshape_and_cache (NHD layout): for every token t with slot = slot_mapping[t] >= 0,
//   key_cache  [slot / block_size, slot % block_size, h, d] = key  [t, h, d]
//   value_cache[slot / block_size, slot % block_size, h, d] = value[t, h, d]
// key/value: [tokens, num_kv_heads, head_size]; caches: [num_blocks, block_size, num_kv_heads, head_size];
// all fp16, row-major, device pointers. slot -1 marks a padding token: write nothing for it.
__global__ void reshape_and_cache(const __half* key, const __half* value, __half* key_cache, __half* value_cache,
                                  const int* slot_mapping, int num_kv_heads, int head_size, int block_size) {
    // Your kernel here.
}

extern "C" void solve(const __half* key, const __half* value, __half* key_cache, __half* value_cache,
                      const int* slot_mapping, int tokens, int num_kv_heads, int head_size, int num_blocks,
                      int block_size) {
    reshape_and_cache<<<tokens, 128>>>(key, value, key_cache, value_cache, slot_mapping, num_kv_heads, head_size,
                                       block_size);
}
