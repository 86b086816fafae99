#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cstdint>

// out[i, j] = bf16( (sum_p a[i, p] * b[j, p]) * a_scale[i] * b_scale[j] ), int8 x int8 -> int32 on tensor cores.
//
// Both operands are K-major ("TN": a is [m, k], b is [n, k]), which is exactly the layout the int8
// mma.sync.m16n8k32.row.col wants for its A and B fragments, so no transposes are needed anywhere.
// Block tile 128 x 128 x 64 (bytes of k), 8 warps in a 2 (M) x 4 (N) grid, each warp 64 x 32 = 4 x 4 MMA tiles
// with int32 accumulators. A 4-stage cp.async ring streams the tiles; ldmatrix (b16 view of 16-byte rows =
// 16 int8 values) produces the fragments. Rows are padded from 64 to 80 bytes so the 8 rows an ldmatrix phase
// reads fall into 8 distinct 16-byte bank groups. The per-token and per-channel scales are applied once, in the
// epilogue, in fp32: the int32 dot product is exact, so the only rounding is the final bf16 conversion.
//
// Edges: m, n arbitrary (zero-filled rows), k arbitrary. The 16 B cp.async path needs k % 16 == 0 (so every
// row starts 16 B aligned); otherwise the same kernel loads bytes one by one with guards.

namespace {

constexpr int BM = 128, BN = 128, BK = 64, STAGES = 4, THREADS = 256;
constexpr int LD = BK + 16;                                   // bytes per padded smem row (80)
constexpr int A_STAGE = BM * LD, B_STAGE = BN * LD;           // bytes per stage
constexpr int SMEM_BYTES = STAGES * (A_STAGE + B_STAGE);      // 81,920 B

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, bool valid) {
    const int src_bytes = valid ? 16 : 0;                     // 0: zero-fill, nothing read
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(src_bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t& r0, uint32_t& r1, uint32_t& r2, uint32_t& r3, uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(addr));
}

// D = A * B + D, 16 x 8 x 32 int8 tile with int32 accumulation.
__device__ __forceinline__ void mma_s8_16832(int* d, const uint32_t* a, uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Copy a 128-row x 64-byte K-slice of a K-major int8 matrix (rows x k) into a padded smem tile.
template <bool kVec>
__device__ __forceinline__ void load_slice(const int8_t* __restrict__ g, int8_t* s, int rows, int k, int r0, int k0,
                                           int tid) {
#pragma unroll
    for (int i = 0; i < 2; ++i) {                             // 128 rows x 4 chunks of 16 B = 512 chunks
        const int c = tid + i * THREADS;
        const int row = c >> 2, col = (c & 3) * 16;
        const int gr = r0 + row, gc = k0 + col;
        int8_t* dst = s + row * LD + col;
        if (kVec) {
            const bool valid = gr < rows && gc < k;           // k % 16 == 0: a chunk is fully in or out
            cp_async16(smem_addr(dst), valid ? g + (size_t)gr * k + gc : g, valid);
        } else {
            uint32_t w[4];
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                uint32_t word = 0;
#pragma unroll
                for (int e = 0; e < 4; ++e) {
                    const int cc = gc + q * 4 + e;
                    const uint32_t byte = (gr < rows && cc < k) ? (uint8_t)__ldg(g + (size_t)gr * k + cc) : 0u;
                    word |= byte << (8 * e);
                }
                w[q] = word;
            }
            *reinterpret_cast<uint4*>(dst) = make_uint4(w[0], w[1], w[2], w[3]);
        }
    }
}

template <bool kVec>
__global__ void __launch_bounds__(THREADS, 2)
int8_gemm_mma(const int8_t* __restrict__ a, const int8_t* __restrict__ b, const float* __restrict__ a_scale,
              const float* __restrict__ b_scale, __nv_bfloat16* __restrict__ out, int m, int n, int k) {
    extern __shared__ __align__(16) unsigned char smem_raw[];
    int8_t* sA = reinterpret_cast<int8_t*>(smem_raw);
    int8_t* sB = sA + STAGES * A_STAGE;

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int warp_m = warp >> 2, warp_n = warp & 3;
    const int bm = blockIdx.y * BM, bn = blockIdx.x * BN;
    const int num_k_tiles = (k + BK - 1) / BK;

    int acc[4][4][4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[i][j][e] = 0;

#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
        if (s < num_k_tiles) {
            load_slice<kVec>(a, sA + s * A_STAGE, m, k, bm, s * BK, tid);
            load_slice<kVec>(b, sB + s * B_STAGE, n, k, bn, s * BK, tid);
        }
        cp_async_commit();
    }

    for (int kt = 0; kt < num_k_tiles; ++kt) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();                                      // tile kt visible; slot of tile kt-1 reusable
        const int next = kt + STAGES - 1;
        if (next < num_k_tiles) {
            const int s = next % STAGES;
            load_slice<kVec>(a, sA + s * A_STAGE, m, k, bm, next * BK, tid);
            load_slice<kVec>(b, sB + s * B_STAGE, n, k, bn, next * BK, tid);
        }
        cp_async_commit();

        const int8_t* tA = sA + (kt % STAGES) * A_STAGE;
        const int8_t* tB = sB + (kt % STAGES) * B_STAGE;
#pragma unroll
        for (int kk = 0; kk < BK; kk += 32) {
            uint32_t af[4][4], bf[4][2];
#pragma unroll
            for (int mi = 0; mi < 4; ++mi) {
                // matrices (rows 0-7, k 0-15) (rows 8-15, k 0-15) (rows 0-7, k 16-31) (rows 8-15, k 16-31)
                const int8_t* p = tA + (warp_m * 64 + mi * 16 + (lane & 15)) * LD + kk + (lane >> 4) * 16;
                ldmatrix_x4(af[mi][0], af[mi][1], af[mi][2], af[mi][3], smem_addr(p));
            }
#pragma unroll
            for (int nj = 0; nj < 2; ++nj) {
                // matrices (n 0-7, k 0-15) (n 0-7, k 16-31) (n 8-15, k 0-15) (n 8-15, k 16-31) = b0,b1 of 2 tiles
                const int8_t* p = tB + (warp_n * 32 + nj * 16 + (lane & 7) + ((lane >> 4) << 3)) * LD + kk +
                                  ((lane >> 3) & 1) * 16;
                ldmatrix_x4(bf[2 * nj][0], bf[2 * nj][1], bf[2 * nj + 1][0], bf[2 * nj + 1][1], smem_addr(p));
            }
#pragma unroll
            for (int mi = 0; mi < 4; ++mi)
#pragma unroll
                for (int ni = 0; ni < 4; ++ni) mma_s8_16832(acc[mi][ni], af[mi], bf[ni][0], bf[ni][1]);
        }
    }
    cp_async_wait<0>();

    // Epilogue: dequantize with the per-row (token) and per-column (channel) scales, round once to bf16.
    const bool pairs = (n & 1) == 0;
#pragma unroll
    for (int ni = 0; ni < 4; ++ni) {
        const int col = bn + warp_n * 32 + ni * 8 + (lane & 3) * 2;
        const float bs0 = col < n ? __ldg(b_scale + col) : 0.f;
        const float bs1 = col + 1 < n ? __ldg(b_scale + col + 1) : 0.f;
#pragma unroll
        for (int mi = 0; mi < 4; ++mi) {
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const int row = bm + warp_m * 64 + mi * 16 + (lane >> 2) + h * 8;
                if (row >= m || col >= n) continue;
                const float as = __ldg(a_scale + row);
                const float v0 = (float)acc[mi][ni][2 * h] * as * bs0;
                const float v1 = (float)acc[mi][ni][2 * h + 1] * as * bs1;
                __nv_bfloat16* dst = out + (size_t)row * n + col;
                if (pairs) {
                    *reinterpret_cast<__nv_bfloat162*>(dst) = __floats2bfloat162_rn(v0, v1);
                } else {
                    dst[0] = __float2bfloat16_rn(v0);
                    if (col + 1 < n) dst[1] = __float2bfloat16_rn(v1);
                }
            }
        }
    }
}

}  // namespace

extern "C" void solve(const int8_t* a, const int8_t* b, const float* a_scale, const float* b_scale,
                      __nv_bfloat16* out, int m, int n, int k) {
    const dim3 grid((n + BN - 1) / BN, (m + BM - 1) / BM);
    const bool aligned = ((reinterpret_cast<uintptr_t>(a) | reinterpret_cast<uintptr_t>(b)) & 15) == 0;
    if (aligned && k % 16 == 0) {
        cudaFuncSetAttribute(int8_gemm_mma<true>, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM_BYTES);
        int8_gemm_mma<true><<<grid, THREADS, SMEM_BYTES>>>(a, b, a_scale, b_scale, out, m, n, k);
    } else {
        cudaFuncSetAttribute(int8_gemm_mma<false>, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM_BYTES);
        int8_gemm_mma<false><<<grid, THREADS, SMEM_BYTES>>>(a, b, a_scale, b_scale, out, m, n, k);
    }
}
