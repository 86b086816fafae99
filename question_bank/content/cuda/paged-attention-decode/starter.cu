#include <cuda_runtime.h>
#include <cuda_fp16.h>

// Decode attention over a paged KV cache. For sequence s and query head h (kv head h / (num_heads / num_kv_heads)):
//   out[s, h, :] = softmax_t(scale * query[s, h, :] . K_t) @ V_t   over the seq_lens[s] tokens of the sequence,
// where token t lives in physical block block_tables[s, t / block_size] at slot t % block_size:
//   key_cache[block, slot, kv_head, :] (shape [num_blocks, block_size, num_kv_heads, head_size], fp16).
// Block-table entries past a sequence's last block hold -1: do not read them.
__global__ void paged_attention(const __half* query, const __half* key_cache, const __half* value_cache,
                                const int* block_tables, const int* seq_lens, __half* out, int num_heads,
                                int num_kv_heads, int head_size, int block_size, int max_blocks_per_seq,
                                float scale) {
    // Your kernel here.
}

extern "C" void solve(const __half* query, const __half* key_cache, const __half* value_cache,
                      const int* block_tables, const int* seq_lens, __half* out, int num_seqs, int num_heads,
                      int num_kv_heads, int head_size, int block_size, int max_blocks_per_seq, int num_blocks,
                      float scale) {
    paged_attention<<<dim3(num_heads, num_seqs), 128>>>(query, key_cache, value_cache, block_tables, seq_lens, out,
                                                         num_heads, num_kv_heads, head_size, block_size,
                                                         max_blocks_per_seq, scale);
}
