#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cstdint>
#include <math.h>

// Paged-attention decode (one query token per sequence), split-KV ("flash-decoding") with GQA sharing.
//
// Grid: (head chunk, sequence, partition of PART = 512 tokens). A block serves GC query heads that share one
// KV head (GC = the GQA group size, or a power-of-two divisor of it), so each K/V row is read from DRAM once
// per KV head instead of once per query head. Inside a block, each half-warp owns one token at a time and each
// of its 16 lanes loads 8 halves (one 128-bit load) of the 128-dim K or V row: a warp reads two 256-byte rows
// per instruction, fully coalesced, with several tokens unrolled to keep loads in flight.
//   Phase 1: logits[g][t] = scale * q_g . k_t into shared memory (half-warp butterfly reduce-scatter).
//   Phase 2: block max and exp-sum per head, p = exp(logit - max) written back in place.
//   Phase 3: acc_g += p_g[t] * v_t in registers (fp32), then the block's partial outputs are combined.
// A sequence that fits in one partition writes its normalized output directly. Longer sequences write
// (max, exp-sum, normalized partial output) per partition to a workspace, and a second kernel rescales and
// combines the partitions: out = sum_p e^(m_p - M) s_p o_p / sum_p e^(m_p - M) s_p, with M = max_p m_p.
// Block-table entries past a sequence's last block are never read.

namespace {

constexpr int HEAD = 128;            // head_size (fixed by the problem)
constexpr int PART = 512;            // tokens per partition
constexpr int THREADS = 128;         // 4 warps = 8 half-warps
constexpr int WARPS = THREADS / 32;
constexpr int UNROLL = 4;            // token pairs in flight per warp (2 and 8 measured slower on H100)

__device__ __forceinline__ float dot8(const float* q, uint4 kv) {
    const __half2* h = reinterpret_cast<const __half2*>(&kv);
    float s = 0.f;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const float2 f = __half22float2(h[i]);
        s = fmaf(q[2 * i], f.x, s);
        s = fmaf(q[2 * i + 1], f.y, s);
    }
    return s;
}

// Offset (in halves) of dims [lane16*8, lane16*8+8) of token `tok` of sequence `seq` for `kv_head`.
// bs_shift = log2(block_size) when block_size is a power of two (the usual 8 / 16 / 32), else -1.
__device__ __forceinline__ size_t kv_offset(const int* __restrict__ table_row, int tok, int block_size, int bs_shift,
                                            int num_kv_heads, int kv_head, int lane16) {
    int logical, slot;
    if (bs_shift >= 0) {
        logical = tok >> bs_shift;
        slot = tok & (block_size - 1);
    } else {
        logical = tok / block_size;
        slot = tok - logical * block_size;
    }
    const int physical = __ldg(table_row + logical);      // never past the sequence's last block: tok < seq_len
    return (((size_t)physical * block_size + slot) * num_kv_heads + kv_head) * HEAD + lane16 * 8;
}

// Butterfly reduce-scatter of GC partial dot products over the 16 lanes of a half-warp. At each xor level the
// lanes split the remaining values in half (the "upper" lane keeps the upper half) and exchange the other half,
// so GC = 4 needs 2 + 1 + 1 + 1 = 5 shuffles instead of 4 * 4. Afterwards the lane holds the full sum of head
// scatter_head<GC>(lane) (the same head for every token, so the assignment is fixed per lane).
template <int GC>
__device__ __forceinline__ float reduce_scatter16(float (&v)[GC], int lane) {
    int c = GC;                                               // compile-time after unrolling
#pragma unroll
    for (int o = 8; o >= 1; o >>= 1) {
        if (c > 1) {
            const int half = c / 2;
            const bool upper = (lane & o) != 0;
#pragma unroll
            for (int i = 0; i < (GC > 1 ? GC / 2 : 1); ++i) {
                if (i < half) {
                    const float send = upper ? v[i] : v[i + half];
                    const float keep = upper ? v[i + half] : v[i];
                    v[i] = keep + __shfl_xor_sync(0xffffffffu, send, o);
                }
            }
            c = half;
        } else {
            v[0] += __shfl_xor_sync(0xffffffffu, v[0], o);
        }
    }
    return v[0];
}
template <int GC>
__device__ __forceinline__ int scatter_head(int lane) {       // which head's sum reduce_scatter16 leaves in lane
    int c = GC, head = 0;
#pragma unroll
    for (int o = 8; o >= 1; o >>= 1)
        if (c > 1) {
            if (lane & o) head += c / 2;
            c /= 2;
        }
    return head;
}
template <int GC>
__device__ __forceinline__ int scatter_redundant_bits() {     // lane bits over which the result is replicated
    int c = GC, bits = 0;
#pragma unroll
    for (int o = 8; o >= 1; o >>= 1) {
        if (c > 1) c /= 2;
        else bits |= o;
    }
    return bits;
}

template <int GC>
__global__ void __launch_bounds__(THREADS)
paged_attention_partition(const __half* __restrict__ query, const __half* __restrict__ key_cache,
                          const __half* __restrict__ value_cache, const int* __restrict__ block_tables,
                          const int* __restrict__ seq_lens, __half* __restrict__ out, float* __restrict__ ws_out,
                          float* __restrict__ ws_max, float* __restrict__ ws_sum, int num_heads, int num_kv_heads,
                          int block_size, int bs_shift, int max_blocks_per_seq, int max_parts, float scale) {
    // logits[GC][PART]; reused after phase 3 for the cross-warp sum of partial outputs, [WARPS][GC][HEAD]
    // (PART == WARPS * HEAD, so both fit the same buffer).
    static_assert(PART == WARPS * HEAD, "buffer reuse needs PART == WARPS * HEAD");
    __shared__ __align__(16) float smem[GC * PART];
    __shared__ float red_max[WARPS][GC], red_sum[WARPS][GC];

    const int seq = blockIdx.y, part = blockIdx.z;
    const int seq_len = seq_lens[seq];
    const int start = part * PART;
    if (start >= seq_len) return;                             // whole block leaves, before any barrier
    const int n_tok = min(PART, seq_len - start);
    const int num_parts = (seq_len + PART - 1) / PART;
    const int head0 = blockIdx.x * GC;
    const int group = num_heads / num_kv_heads;
    const int kv_head = head0 / group;                        // GC divides group: all GC heads share it

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int lane16 = lane & 15, hsub = lane >> 4;           // lane within half-warp, half-warp within warp
    const int* table_row = block_tables + (size_t)seq * max_blocks_per_seq;

    // q slice of this lane for each head, pre-multiplied by the softmax scale.
    float q[GC][8];
#pragma unroll
    for (int g = 0; g < GC; ++g) {
        const uint4 raw = __ldg(reinterpret_cast<const uint4*>(query + ((size_t)seq * num_heads + head0 + g) * HEAD) +
                                lane16);
        const __half2* h = reinterpret_cast<const __half2*>(&raw);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const float2 f = __half22float2(h[i]);
            q[g][2 * i] = f.x * scale;
            q[g][2 * i + 1] = f.y * scale;
        }
    }

    // ---- Phase 1: logits. Warp w handles token pairs w, w+4, ...; the two half-warps take the pair's tokens.
    // The loop condition is warp-uniform, so the full-mask shuffles below never diverge.
    const int my_head = scatter_head<GC>(lane16);
    const bool writer = (lane16 & scatter_redundant_bits<GC>()) == 0;
    for (int pair0 = warp; 2 * pair0 < n_tok; pair0 += WARPS * UNROLL) {
        uint4 kv[UNROLL];
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const int t = 2 * (pair0 + u * WARPS) + hsub;
            kv[u] = make_uint4(0, 0, 0, 0);
            if (t < n_tok)
                kv[u] = __ldg(reinterpret_cast<const uint4*>(
                    key_cache + kv_offset(table_row, start + t, block_size, bs_shift, num_kv_heads, kv_head, lane16)));
        }
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const int t = 2 * (pair0 + u * WARPS) + hsub;
            float s[GC];
#pragma unroll
            for (int g = 0; g < GC; ++g) s[g] = dot8(q[g], kv[u]);
            const float mine = reduce_scatter16<GC>(s, lane16);   // offsets < 16 stay inside the half-warp
            if (t < n_tok && writer) smem[my_head * PART + t] = mine;
        }
    }
    __syncthreads();                                          // logits visible to the whole block

    // ---- Phase 2: softmax statistics of this partition (max, then exp and sum), from shared memory.
#pragma unroll
    for (int g = 0; g < GC; ++g) {
        float v = -INFINITY;
        for (int t = tid; t < n_tok; t += THREADS) v = fmaxf(v, smem[g * PART + t]);
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
        if (lane == 0) red_max[warp][g] = v;
    }
    __syncthreads();
    float m[GC], local_sum[GC];
#pragma unroll
    for (int g = 0; g < GC; ++g) {
        m[g] = red_max[0][g];
#pragma unroll
        for (int w = 1; w < WARPS; ++w) m[g] = fmaxf(m[g], red_max[w][g]);
        local_sum[g] = 0.f;
        for (int t = tid; t < n_tok; t += THREADS) {         // n_tok >= 1, so m[g] is finite
            const float p = __expf(smem[g * PART + t] - m[g]);
            smem[g * PART + t] = p;
            local_sum[g] += p;
        }
    }
#pragma unroll
    for (int g = 0; g < GC; ++g) {
        float v = local_sum[g];
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
        if (lane == 0) red_sum[warp][g] = v;
    }
    __syncthreads();                                          // probabilities and partial sums visible
    float sum[GC];
#pragma unroll
    for (int g = 0; g < GC; ++g) {
        sum[g] = 0.f;
#pragma unroll
        for (int w = 0; w < WARPS; ++w) sum[g] += red_sum[w][g];
    }

    // ---- Phase 3: acc_g[8 dims of this lane] = sum_t p_g[t] * v_t, same token distribution as phase 1.
    float acc[GC][8];
#pragma unroll
    for (int g = 0; g < GC; ++g)
#pragma unroll
        for (int i = 0; i < 8; ++i) acc[g][i] = 0.f;
    for (int pair0 = warp; 2 * pair0 < n_tok; pair0 += WARPS * UNROLL) {
        uint4 vv[UNROLL];
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const int t = 2 * (pair0 + u * WARPS) + hsub;
            vv[u] = make_uint4(0, 0, 0, 0);
            if (t < n_tok)
                vv[u] = __ldg(reinterpret_cast<const uint4*>(
                    value_cache + kv_offset(table_row, start + t, block_size, bs_shift, num_kv_heads, kv_head, lane16)));
        }
#pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
            const int t = 2 * (pair0 + u * WARPS) + hsub;
            if (t >= n_tok) continue;                         // no shuffles in this phase: divergence is fine
            const __half2* h = reinterpret_cast<const __half2*>(&vv[u]);
            float v[8];
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const float2 f = __half22float2(h[i]);
                v[2 * i] = f.x;
                v[2 * i + 1] = f.y;
            }
#pragma unroll
            for (int g = 0; g < GC; ++g) {
                const float p = smem[g * PART + t];           // same address across the half-warp: broadcast
#pragma unroll
                for (int i = 0; i < 8; ++i) acc[g][i] = fmaf(p, v[i], acc[g][i]);
            }
        }
    }
    // Combine the two half-warps (same dims, different tokens), then the warps through shared memory.
#pragma unroll
    for (int g = 0; g < GC; ++g)
#pragma unroll
        for (int i = 0; i < 8; ++i) acc[g][i] += __shfl_xor_sync(0xffffffffu, acc[g][i], 16);
    __syncthreads();                                          // every warp is done reading the probabilities
    if (hsub == 0) {
#pragma unroll
        for (int g = 0; g < GC; ++g) {
            float4* dst = reinterpret_cast<float4*>(smem + (warp * GC + g) * HEAD + lane16 * 8);
            dst[0] = make_float4(acc[g][0], acc[g][1], acc[g][2], acc[g][3]);
            dst[1] = make_float4(acc[g][4], acc[g][5], acc[g][6], acc[g][7]);
        }
    }
    __syncthreads();

    static_assert(THREADS == HEAD, "one thread per output dim");
    const int d = tid;
#pragma unroll
    for (int g = 0; g < GC; ++g) {                            // static g: m[] and sum[] stay in registers
        float o = 0.f;
#pragma unroll
        for (int w = 0; w < WARPS; ++w) o += smem[(w * GC + g) * HEAD + d];
        o /= sum[g];
        const size_t sh = (size_t)seq * num_heads + head0 + g;
        if (num_parts == 1) {
            out[sh * HEAD + d] = __float2half_rn(o);
        } else {
            ws_out[(sh * max_parts + part) * HEAD + d] = o;
            if (d == 0) {
                ws_max[sh * max_parts + part] = m[g];
                ws_sum[sh * max_parts + part] = sum[g];
            }
        }
    }
}

// One block per (head, sequence), one thread per dim: merge the partitions of sequences that have several.
__global__ void __launch_bounds__(HEAD)
paged_attention_reduce(const int* __restrict__ seq_lens, const float* __restrict__ ws_out,
                       const float* __restrict__ ws_max, const float* __restrict__ ws_sum, __half* __restrict__ out,
                       int num_heads, int max_parts) {
    const int head = blockIdx.x, seq = blockIdx.y, d = threadIdx.x;
    const int num_parts = (seq_lens[seq] + PART - 1) / PART;
    if (num_parts <= 1) return;                               // written directly by the partition kernel
    const size_t sh = (size_t)seq * num_heads + head;
    float M = -INFINITY;
    for (int p = 0; p < num_parts; ++p) M = fmaxf(M, ws_max[sh * max_parts + p]);
    float num = 0.f, den = 0.f;
    for (int p = 0; p < num_parts; ++p) {
        const float w = ws_sum[sh * max_parts + p] * __expf(ws_max[sh * max_parts + p] - M);
        num = fmaf(w, ws_out[(sh * max_parts + p) * HEAD + d], num);
        den += w;
    }
    out[sh * HEAD + d] = __float2half_rn(num / den);
}

template <int GC>
void launch(const __half* query, const __half* key_cache, const __half* value_cache, const int* block_tables,
            const int* seq_lens, __half* out, float* ws, int num_seqs, int num_heads, int num_kv_heads,
            int block_size, int bs_shift, int max_blocks_per_seq, int max_parts, float scale) {
    float* ws_out = ws;
    float* ws_max = ws ? ws + (size_t)num_seqs * num_heads * max_parts * HEAD : nullptr;
    float* ws_sum = ws ? ws_max + (size_t)num_seqs * num_heads * max_parts : nullptr;
    const dim3 grid(num_heads / GC, num_seqs, max_parts);
    paged_attention_partition<GC><<<grid, THREADS>>>(query, key_cache, value_cache, block_tables, seq_lens, out,
                                                     ws_out, ws_max, ws_sum, num_heads, num_kv_heads, block_size,
                                                     bs_shift, max_blocks_per_seq, max_parts, scale);
    if (max_parts > 1)
        paged_attention_reduce<<<dim3(num_heads, num_seqs), HEAD>>>(seq_lens, ws_out, ws_max, ws_sum, out,
                                                                   num_heads, max_parts);
}

}  // namespace

extern "C" void solve(const __half* query, const __half* key_cache, const __half* value_cache,
                      const int* block_tables, const int* seq_lens, __half* out, int num_seqs, int num_heads,
                      int num_kv_heads, int head_size, int block_size, int max_blocks_per_seq, int num_blocks,
                      float scale) {
    (void)head_size;   // == 128 (problem constraint)
    (void)num_blocks;
    const int max_len = max_blocks_per_seq * block_size;
    const int max_parts = (max_len + PART - 1) / PART;
    float* ws = nullptr;
    if (max_parts > 1) {
        // Per (sequence, head, partition): HEAD partial outputs + max + sum. Stream-ordered on stream 0.
        const size_t floats = (size_t)num_seqs * num_heads * max_parts * (HEAD + 2);
        cudaMallocAsync(reinterpret_cast<void**>(&ws), floats * sizeof(float), 0);
    }
    int bs_shift = -1;
    if ((block_size & (block_size - 1)) == 0)
        for (bs_shift = 0; (1 << bs_shift) < block_size; ++bs_shift) {}
    const int group = num_heads / num_kv_heads;
    const int gc = group % 8 == 0 ? 8 : group % 4 == 0 ? 4 : group % 2 == 0 ? 2 : 1;
    switch (gc) {
        case 8: launch<8>(query, key_cache, value_cache, block_tables, seq_lens, out, ws, num_seqs, num_heads,
                          num_kv_heads, block_size, bs_shift, max_blocks_per_seq, max_parts, scale); break;
        case 4: launch<4>(query, key_cache, value_cache, block_tables, seq_lens, out, ws, num_seqs, num_heads,
                          num_kv_heads, block_size, bs_shift, max_blocks_per_seq, max_parts, scale); break;
        case 2: launch<2>(query, key_cache, value_cache, block_tables, seq_lens, out, ws, num_seqs, num_heads,
                          num_kv_heads, block_size, bs_shift, max_blocks_per_seq, max_parts, scale); break;
        default: launch<1>(query, key_cache, value_cache, block_tables, seq_lens, out, ws, num_seqs, num_heads,
                           num_kv_heads, block_size, bs_shift, max_blocks_per_seq, max_parts, scale); break;
    }
    if (ws) cudaFreeAsync(ws, 0);
}
