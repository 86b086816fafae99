#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <math.h>

// One block per (query head, sequence). Pass 1: each thread computes whole dot products for tokens
// tid, tid + blockDim, ... (each thread walks a full K row on its own: uncoalesced), storing logits in shared
// memory. Then a block max, exp and sum, and pass 2: thread d accumulates sum_t p[t] * V[t][d].
// K/V of a KV head are re-read by every query head of its GQA group.
__global__ void paged_attention_naive(const __half* query, const __half* key_cache, const __half* value_cache,
                                      const int* block_tables, const int* seq_lens, __half* out, int num_heads,
                                      int num_kv_heads, int head_size, int block_size, int max_blocks_per_seq,
                                      float scale) {
    extern __shared__ float logits[];                         // [max_blocks_per_seq * block_size]
    __shared__ float q[256];
    __shared__ float red[32];
    const int head = blockIdx.x, seq = blockIdx.y, tid = threadIdx.x;
    const int kv_head = head / (num_heads / num_kv_heads);
    const int len = seq_lens[seq];
    const int* table = block_tables + (size_t)seq * max_blocks_per_seq;

    for (int d = tid; d < head_size; d += blockDim.x)
        q[d] = __half2float(query[((size_t)seq * num_heads + head) * head_size + d]);
    __syncthreads();

    float local_max = -INFINITY;
    for (int t = tid; t < len; t += blockDim.x) {
        const size_t base = (((size_t)table[t / block_size] * block_size + t % block_size) * num_kv_heads + kv_head) *
                            head_size;
        float s = 0.f;
        for (int d = 0; d < head_size; ++d) s += q[d] * __half2float(key_cache[base + d]);
        s *= scale;
        logits[t] = s;
        local_max = fmaxf(local_max, s);
    }
    // block max (blockDim.x is a multiple of 32)
    for (int o = 16; o > 0; o >>= 1) local_max = fmaxf(local_max, __shfl_xor_sync(0xffffffffu, local_max, o));
    if ((tid & 31) == 0) red[tid >> 5] = local_max;
    __syncthreads();
    float mx = -INFINITY;
    for (int w = 0; w < (int)blockDim.x / 32; ++w) mx = fmaxf(mx, red[w]);
    __syncthreads();

    float local_sum = 0.f;
    for (int t = tid; t < len; t += blockDim.x) {
        const float p = expf(logits[t] - mx);
        logits[t] = p;
        local_sum += p;
    }
    for (int o = 16; o > 0; o >>= 1) local_sum += __shfl_xor_sync(0xffffffffu, local_sum, o);
    if ((tid & 31) == 0) red[tid >> 5] = local_sum;
    __syncthreads();
    float sum = 0.f;
    for (int w = 0; w < (int)blockDim.x / 32; ++w) sum += red[w];

    for (int d = tid; d < head_size; d += blockDim.x) {
        float acc = 0.f;
        for (int t = 0; t < len; ++t) {
            const size_t base = (((size_t)table[t / block_size] * block_size + t % block_size) * num_kv_heads +
                                 kv_head) * head_size;
            acc += logits[t] * __half2float(value_cache[base + d]);
        }
        out[((size_t)seq * num_heads + head) * head_size + d] = __float2half_rn(acc / sum);
    }
}

extern "C" void solve(const __half* query, const __half* key_cache, const __half* value_cache,
                      const int* block_tables, const int* seq_lens, __half* out, int num_seqs, int num_heads,
                      int num_kv_heads, int head_size, int block_size, int max_blocks_per_seq, int num_blocks,
                      float scale) {
    (void)num_blocks;
    const size_t smem = (size_t)max_blocks_per_seq * block_size * sizeof(float);
    if (smem > 48 * 1024)
        cudaFuncSetAttribute(paged_attention_naive, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    paged_attention_naive<<<dim3(num_heads, num_seqs), 128, smem>>>(query, key_cache, value_cache, block_tables,
                                                                    seq_lens, out, num_heads, num_kv_heads,
                                                                    head_size, block_size, max_blocks_per_seq,
                                                                    scale);
}
