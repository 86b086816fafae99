#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cstdint>

// C[m, n] = A[m, k] * B[k, n], fp16 in, fp32 accumulation on tensor cores, fp16 out (all row-major).
//
// Block tile 128 x 128 x 32, 8 warps in a 2 (M) x 4 (N) grid, each warp owns a 64 x 32 sub-tile
// = 4 x 4 mma.sync.m16n8k16 tiles (64 fp32 accumulators per thread). Tiles of A and B are streamed
// through a 3-stage cp.async ring in shared memory so the loads of tile kt+2 overlap the MMAs of tile kt.
// Fragments come out of shared memory with ldmatrix (.trans for B, which is stored k-major).
// Rows are padded by 8 halves (16 B): ldmatrix reads 8 rows of 16 B at the same column, and with
// 80 B / 272 B row strides those 8 rows land in 8 different 16 B bank groups (no bank conflicts).
//
// Edges: m and n need not be multiples of 128, k not of 32. Out-of-range 16 B chunks are zero-filled by
// cp.async (src-size 0), and zeros contribute nothing to the dot products. The 16 B fast path needs every
// chunk to be 16 B aligned, i.e. k % 8 == 0 and n % 8 == 0 (rows start on 16 B boundaries); other shapes use
// the same kernel with element-wise guarded loads into shared memory (correct, slower).

namespace {

constexpr int BM = 128, BN = 128, BK = 32, STAGES = 3, THREADS = 256;
constexpr int A_LD = BK + 8;                 // halves per padded A row (80 B)
constexpr int B_LD = BN + 8;                 // halves per padded B row (272 B)
constexpr int A_STAGE = BM * A_LD;           // halves per stage
constexpr int B_STAGE = BK * B_LD;
constexpr int SMEM_BYTES = STAGES * (A_STAGE + B_STAGE) * int(sizeof(__half));   // 56,832 B

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// 16-byte async copy global -> shared; src_bytes = 0 writes 16 zero bytes and reads nothing.
__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, bool valid) {
    const int src_bytes = valid ? 16 : 0;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(src_bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t& r0, uint32_t& r1, uint32_t& r2, uint32_t& r3, uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(addr));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t& r0, uint32_t& r1, uint32_t& r2, uint32_t& r3,
                                                  uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(addr));
}

// D = A * B + D for one 16 x 8 x 16 tile: A row-major fragment (4 regs), B column fragment (2 regs).
__device__ __forceinline__ void mma_16816(float* d, const uint32_t* a, uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                 "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ uint32_t pack_half2(unsigned short lo, unsigned short hi) {
    return uint32_t(lo) | (uint32_t(hi) << 16);
}

// Load k-tile `kt` of A (128 x 32) and B (32 x 128) into ring slot `stage`.
template <bool kVec>
__device__ __forceinline__ void load_tile(const __half* __restrict__ a, const __half* __restrict__ b, __half* sA,
                                          __half* sB, int m, int n, int k, int bm, int bn, int kt, int tid) {
    const int k0 = kt * BK;
#pragma unroll
    for (int i = 0; i < 2; ++i) {              // A: 128 rows x 4 chunks of 8 halves = 512 chunks
        const int c = tid + i * THREADS;
        const int row = c >> 2, col = (c & 3) * 8;
        const int gr = bm + row, gc = k0 + col;
        __half* dst = sA + row * A_LD + col;
        if (kVec) {
            const bool valid = gr < m && gc < k;                 // k % 8 == 0: chunk fully in or out
            const __half* src = valid ? a + (size_t)gr * k + gc : a;
            cp_async16(smem_addr(dst), src, valid);
        } else {
            const unsigned short* a16 = reinterpret_cast<const unsigned short*>(a);
            unsigned short v[8];
#pragma unroll
            for (int e = 0; e < 8; ++e)
                v[e] = (gr < m && gc + e < k) ? __ldg(a16 + (size_t)gr * k + gc + e) : (unsigned short)0;
            *reinterpret_cast<uint4*>(dst) = make_uint4(pack_half2(v[0], v[1]), pack_half2(v[2], v[3]),
                                                        pack_half2(v[4], v[5]), pack_half2(v[6], v[7]));
        }
    }
#pragma unroll
    for (int i = 0; i < 2; ++i) {              // B: 32 rows x 16 chunks of 8 halves = 512 chunks
        const int c = tid + i * THREADS;
        const int row = c >> 4, col = (c & 15) * 8;
        const int gr = k0 + row, gc = bn + col;
        __half* dst = sB + row * B_LD + col;
        if (kVec) {
            const bool valid = gr < k && gc < n;                 // n % 8 == 0
            const __half* src = valid ? b + (size_t)gr * n + gc : b;
            cp_async16(smem_addr(dst), src, valid);
        } else {
            const unsigned short* b16 = reinterpret_cast<const unsigned short*>(b);
            unsigned short v[8];
#pragma unroll
            for (int e = 0; e < 8; ++e)
                v[e] = (gr < k && gc + e < n) ? __ldg(b16 + (size_t)gr * n + gc + e) : (unsigned short)0;
            *reinterpret_cast<uint4*>(dst) = make_uint4(pack_half2(v[0], v[1]), pack_half2(v[2], v[3]),
                                                        pack_half2(v[4], v[5]), pack_half2(v[6], v[7]));
        }
    }
}

template <bool kVec>
__global__ void __launch_bounds__(THREADS, 2)
hgemm_mma(const __half* __restrict__ a, const __half* __restrict__ b, __half* __restrict__ c, int m, int n, int k) {
    extern __shared__ __align__(16) unsigned char smem_raw[];
    __half* sA = reinterpret_cast<__half*>(smem_raw);
    __half* sB = sA + STAGES * A_STAGE;

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int warp_m = warp >> 2;              // 0..1 -> 64-row slab
    const int warp_n = warp & 3;               // 0..3 -> 32-column slab
    const int bm = blockIdx.y * BM, bn = blockIdx.x * BN;
    const int num_k_tiles = (k + BK - 1) / BK;

    float acc[4][4][4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.f;

    // Prologue: fill STAGES-1 slots. One commit group per slot (possibly empty) keeps the group count uniform.
#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
        if (s < num_k_tiles) load_tile<kVec>(a, b, sA + s * A_STAGE, sB + s * B_STAGE, m, n, k, bm, bn, s, tid);
        cp_async_commit();
    }

    for (int kt = 0; kt < num_k_tiles; ++kt) {
        cp_async_wait<STAGES - 2>();           // tile kt has landed (for this thread) ...
        __syncthreads();                       // ... and for every thread; slot (kt-1) % STAGES is free again
        const int next = kt + STAGES - 1;
        if (next < num_k_tiles) {
            const int s = next % STAGES;
            load_tile<kVec>(a, b, sA + s * A_STAGE, sB + s * B_STAGE, m, n, k, bm, bn, next, tid);
        }
        cp_async_commit();

        const __half* tA = sA + (kt % STAGES) * A_STAGE;
        const __half* tB = sB + (kt % STAGES) * B_STAGE;
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            uint32_t af[4][4], bf[4][2];
#pragma unroll
            for (int mi = 0; mi < 4; ++mi) {
                // lanes 0-15 address rows 0-15 at k+0, lanes 16-31 rows 0-15 at k+8 -> a0..a3 of m16k16
                const __half* p = tA + (warp_m * 64 + mi * 16 + (lane & 15)) * A_LD + kk + (lane >> 4) * 8;
                ldmatrix_x4(af[mi][0], af[mi][1], af[mi][2], af[mi][3], smem_addr(p));
            }
#pragma unroll
            for (int nj = 0; nj < 2; ++nj) {
                // B is k-major in smem; .trans turns 8x8 (k, n) blocks into the column fragments:
                // matrices (k0-7,n0-7) (k8-15,n0-7) (k0-7,n8-15) (k8-15,n8-15) = b0,b1 of two n8 tiles
                const __half* p = tB + (kk + (lane & 15)) * B_LD + warp_n * 32 + nj * 16 + (lane >> 4) * 8;
                ldmatrix_x4_trans(bf[2 * nj][0], bf[2 * nj][1], bf[2 * nj + 1][0], bf[2 * nj + 1][1], smem_addr(p));
            }
#pragma unroll
            for (int mi = 0; mi < 4; ++mi)
#pragma unroll
                for (int ni = 0; ni < 4; ++ni) mma_16816(acc[mi][ni], af[mi], bf[ni][0], bf[ni][1]);
        }
    }
    cp_async_wait<0>();                        // nothing may be in flight when the block exits

    // Epilogue: accumulator (c0, c1) is row lane/4, columns 2*(lane%4) + {0, 1}; (c2, c3) is 8 rows lower.
    const bool pairs = (n & 1) == 0;           // then (row * n + col) is even and a half2 store is aligned
#pragma unroll
    for (int mi = 0; mi < 4; ++mi) {
#pragma unroll
        for (int ni = 0; ni < 4; ++ni) {
            const int col = bn + warp_n * 32 + ni * 8 + (lane & 3) * 2;
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const int row = bm + warp_m * 64 + mi * 16 + (lane >> 2) + h * 8;
                if (row >= m || col >= n) continue;
                __half* dst = c + (size_t)row * n + col;
                const float v0 = acc[mi][ni][2 * h], v1 = acc[mi][ni][2 * h + 1];
                if (pairs) {
                    *reinterpret_cast<__half2*>(dst) = __floats2half2_rn(v0, v1);   // col + 1 < n since n even
                } else {
                    dst[0] = __float2half_rn(v0);
                    if (col + 1 < n) dst[1] = __float2half_rn(v1);
                }
            }
        }
    }
}

}  // namespace

extern "C" void solve(const __half* a, const __half* b, __half* c, int m, int n, int k) {
    const dim3 grid((n + BN - 1) / BN, (m + BM - 1) / BM);
    const bool aligned = ((reinterpret_cast<uintptr_t>(a) | reinterpret_cast<uintptr_t>(b)) & 15) == 0;
    if (aligned && k % 8 == 0 && n % 8 == 0) {
        cudaFuncSetAttribute(hgemm_mma<true>, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM_BYTES);
        hgemm_mma<true><<<grid, THREADS, SMEM_BYTES>>>(a, b, c, m, n, k);
    } else {
        cudaFuncSetAttribute(hgemm_mma<false>, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM_BYTES);
        hgemm_mma<false><<<grid, THREADS, SMEM_BYTES>>>(a, b, c, m, n, k);
    }
}
