#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cstdint>

// In the NHD layout a token's keys are one contiguous row of num_kv_heads * head_size halves in both the source
// and the cache, and the cache row index is simply the slot (block * block_size + offset = slot). So the kernel
// is a row scatter: one block per token reads the slot once, and its threads copy the key row and the value row
// with the widest vector the row length and the pointers allow (16 bytes = 8 halves for any head_size that is a
// multiple of 8). Key and value loads are issued before the stores so two loads per thread are in flight; the
// sources are read once, so they are loaded with the streaming hint.
template <typename V>
__global__ void __launch_bounds__(256) reshape_and_cache(const __half* __restrict__ key,
                                                         const __half* __restrict__ value,
                                                         __half* __restrict__ key_cache,
                                                         __half* __restrict__ value_cache,
                                                         const int* __restrict__ slot_mapping, int row_vectors) {
    const int slot = slot_mapping[blockIdx.x];
    if (slot < 0) return;  // padding token: the whole block leaves
    const V* k_src = reinterpret_cast<const V*>(key) + (size_t)blockIdx.x * row_vectors;
    const V* v_src = reinterpret_cast<const V*>(value) + (size_t)blockIdx.x * row_vectors;
    V* k_dst = reinterpret_cast<V*>(key_cache) + (size_t)slot * row_vectors;
    V* v_dst = reinterpret_cast<V*>(value_cache) + (size_t)slot * row_vectors;
    for (int i = threadIdx.x; i < row_vectors; i += blockDim.x) {
        const V k = __ldcs(k_src + i);
        const V v = __ldcs(v_src + i);
        k_dst[i] = k;
        v_dst[i] = v;
    }
}

template <typename V>
static void launch(const __half* key, const __half* value, __half* key_cache, __half* value_cache,
                   const int* slot_mapping, int tokens, long long row_bytes) {
    const int row_vectors = (int)(row_bytes / sizeof(V));
    int threads = (row_vectors + 31) / 32 * 32;  // one vector per thread for the usual rows (128 for 8 x 128 fp16)
    threads = threads > 256 ? 256 : threads;
    reshape_and_cache<V><<<tokens, threads>>>(key, value, key_cache, value_cache, slot_mapping, row_vectors);
}

extern "C" void solve(const __half* key, const __half* value, __half* key_cache, __half* value_cache,
                      const int* slot_mapping, int tokens, int num_kv_heads, int head_size, int num_blocks,
                      int block_size) {
    const long long row_bytes = (long long)num_kv_heads * head_size * sizeof(__half);
    const uintptr_t bits = reinterpret_cast<uintptr_t>(key) | reinterpret_cast<uintptr_t>(value) |
                           reinterpret_cast<uintptr_t>(key_cache) | reinterpret_cast<uintptr_t>(value_cache) |
                           (uintptr_t)row_bytes;
    // The widest access that divides the row length and every base address.
    if ((bits & 15) == 0) launch<uint4>(key, value, key_cache, value_cache, slot_mapping, tokens, row_bytes);
    else if ((bits & 7) == 0) launch<uint2>(key, value, key_cache, value_cache, slot_mapping, tokens, row_bytes);
    else if ((bits & 3) == 0) launch<unsigned>(key, value, key_cache, value_cache, slot_mapping, tokens, row_bytes);
    else launch<unsigned short>(key, value, key_cache, value_cache, slot_mapping, tokens, row_bytes);
}
