#include <cuda_runtime.h>
#include <climits>
#include <cstdint>

// Sorting-free top-p sampling, one block of 1024 threads per row, three passes over the row. Only the first comes
// from DRAM: two blocks per SM keep about 264 rows in flight, which fit in the 50 MB L2 for vocabularies up to
// about 40K (32000: 33 MB); longer rows partly re-read DRAM.
//
// For non-negative floats the unsigned bit pattern ("key") orders like the value, so the nucleus is every token
// ranked at or above a pivot token; no sort of the row is needed.
//   Pass A  every element adds its probability to one of 16 buckets by exponent ([1/2, 1], [1/4, 1/2), ...,
//           [0, 2^-15)) in a per-thread shared-memory accumulator (conflict-free, no atomics); the bucket where
//           the mass counted from the top first reaches p holds the pivot.
//   Pass B  the tokens of that bucket (a handful for real next-token distributions) are copied to a shared list,
//           sorted by (probability desc, index asc), and a prefix sum over the list from the mass above the
//           bucket finds the pivot exactly. If the bucket is too big for the list (a flat distribution), a radix
//           descent over the bucket's key range (16 digits per pass) finds it instead.
//   Pass C  inverse-CDF walk in index order: chunks of 4096 elements, a block prefix sum of the kept mass, and the
//           first thread whose running sum passes t = u * M scans its 4 elements; the block stops there.
constexpr int THREADS = 1024;
constexpr int WARPS = THREADS / 32;
constexpr int BUCKETS = 16;
constexpr int LIST_CAP = 4096;  // = 4 per thread, so one block scan covers the sorted list
constexpr int PER_THREAD = 4;
constexpr int CHUNK = THREADS * PER_THREAD;
constexpr unsigned FULL = 0xffffffffu;

struct Scratch {
    float part[WARPS];
    float warp_f[WARPS];
    int warp_i[WARPS];
    int list_count;
    int first_thread;
    int pivot_pos;
    float pivot_mass;
};

__device__ __forceinline__ bool better(float av, int ai, float bv, int bi) {
    return av > bv || (av == bv && ai < bi);
}

// Calls f(index, value) for every element of the row, float4 reads where possible.
template <typename F>
__device__ __forceinline__ void for_each(const float* __restrict__ x, int n, bool vec, F f) {
    int start = 0;
    if (vec) {
        const int n4 = n >> 2;
        const float4* x4 = reinterpret_cast<const float4*>(x);
        for (int i = threadIdx.x; i < n4; i += THREADS) {
            const float4 q = x4[i];
            f(4 * i, q.x); f(4 * i + 1, q.y); f(4 * i + 2, q.z); f(4 * i + 3, q.w);
        }
        start = n4 << 2;
    }
    for (int i = start + threadIdx.x; i < n; i += THREADS) f(i, x[i]);
}

// Mass per bucket: bucket_of(key) returns 0..15 or -1 (not counted). acc is [BUCKETS][THREADS] floats in shared
// memory; thread t only touches column t while accumulating, so there are no races and no bank conflicts.
template <typename B>
__device__ void bucket_masses(const float* __restrict__ x, int vocab, bool vec, B bucket_of, float* acc, Scratch& s,
                              float (&mass)[BUCKETS]) {
#pragma unroll
    for (int b = 0; b < BUCKETS; ++b) acc[b * THREADS + threadIdx.x] = 0.0f;
    for_each(x, vocab, vec, [&](int, float v) {
        const int b = bucket_of(__float_as_uint(v));
        if (b >= 0) acc[b * THREADS + threadIdx.x] += v;
    });
    __syncthreads();
    // 64 threads (two warps) per bucket: 16 strided partial sums each, then a warp shuffle reduction.
    const int b = threadIdx.x >> 6, j = threadIdx.x & 63;
    float sum = 0.0f;
#pragma unroll
    for (int i = 0; i < THREADS / 64; ++i) sum += acc[b * THREADS + j + 64 * i];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(FULL, sum, o);
    if ((threadIdx.x & 31) == 0) s.part[threadIdx.x >> 5] = sum;
    __syncthreads();
#pragma unroll
    for (int q = 0; q < BUCKETS; ++q) mass[q] = s.part[2 * q] + s.part[2 * q + 1];
    __syncthreads();  // part and acc are reused
}

template <typename T>
__device__ T block_sum(T v, T* warp_tot) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL, v, o);
    if ((threadIdx.x & 31) == 0) warp_tot[threadIdx.x >> 5] = v;
    __syncthreads();
    T t = 0;
    for (int w = 0; w < WARPS; ++w) t += warp_tot[w];
    __syncthreads();
    return t;
}

// Exclusive prefix sum over the block in thread order; total receives the block sum.
template <typename T>
__device__ T block_exclusive_scan(T v, T* warp_tot, T& total) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    T incl = v;
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
        const T y = __shfl_up_sync(FULL, incl, o);
        if (lane >= o) incl += y;
    }
    T excl = __shfl_up_sync(FULL, incl, 1);
    if (lane == 0) excl = 0;
    if (lane == 31) warp_tot[warp] = incl;
    __syncthreads();
    if (warp == 0) {
        T w = warp_tot[lane];
#pragma unroll
        for (int o = 1; o < 32; o <<= 1) {
            const T y = __shfl_up_sync(FULL, w, o);
            if (lane >= o) w += y;
        }
        warp_tot[lane] = w;
    }
    __syncthreads();
    const T before = warp == 0 ? T(0) : warp_tot[warp - 1];
    total = warp_tot[WARPS - 1];
    __syncthreads();
    return before + excl;
}

// The lowest thread index with pred true, or INT_MAX (block-uniform result).
__device__ int first_thread_where(bool pred, Scratch& s) {
    if (threadIdx.x == 0) s.first_thread = INT_MAX;
    __syncthreads();
    const unsigned ballot = __ballot_sync(FULL, pred);
    if ((threadIdx.x & 31) == 0 && ballot) atomicMin(&s.first_thread, (threadIdx.x & ~31) + __ffs(ballot) - 1);
    __syncthreads();
    const int first = s.first_thread;
    __syncthreads();
    return first;
}

// Sorts v/id[0, n) best-first (probability desc, index asc); n is a power of two <= LIST_CAP.
__device__ void bitonic_sort(float* v, int* id, int n) {
    for (int size = 2; size <= n; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int t = threadIdx.x; t < (n >> 1); t += THREADS) {
                const int i = 2 * t - (t & (stride - 1));
                const int j = i + stride;
                const bool best_first = (i & size) == 0;
                const float vi = v[i], vj = v[j];
                const int ii = id[i], ij = id[j];
                if (better(vj, ij, vi, ii) == best_first) {
                    v[i] = vj; v[j] = vi;
                    id[i] = ij; id[j] = ii;
                }
            }
            __syncthreads();
        }
    }
}

__global__ void __launch_bounds__(THREADS) top_p_sample(const float* __restrict__ probs, const float* __restrict__ u,
                                                        int* __restrict__ token, int vocab, float p, bool vec) {
    extern __shared__ float acc[];  // [BUCKETS][THREADS]
    __shared__ float list_v[LIST_CAP];
    __shared__ int list_i[LIST_CAP];
    __shared__ Scratch s;
    const size_t row = blockIdx.x;
    const float* x = probs + row * vocab;

    // ---- pass A: mass per exponent bucket ----
    float mass[BUCKETS];
    bucket_masses(x, vocab, vec, [](unsigned key) { return min(15, max(0, 126 - (int)(key >> 23))); }, acc, s,
                  mass);
    float above = 0.0f;  // mass of the keys above the current range
    int bucket = -1;
    for (int b = 0; b < BUCKETS; ++b) {
        if (above + mass[b] >= p) { bucket = b; break; }
        above += mass[b];
    }
    const bool keep_all = bucket < 0;  // the row sums to less than p: every token is kept

    unsigned pivot = 0;        // K: tokens with key > K are kept ...
    int r = INT_MAX;           // ... and the first r tokens (by index) with key == K
    int count_equal = 0;
    float kept_mass = above;   // M
    if (!keep_all) {
        unsigned lo = bucket == 15 ? 0u : (unsigned)(126 - bucket) << 23;
        unsigned hi = bucket == 0 ? 0x80000000u : (unsigned)(127 - bucket) << 23;

        // ---- pass B: the pivot bucket's tokens into the list ----
        if (threadIdx.x == 0) s.list_count = 0;
        __syncthreads();
        const unsigned width = hi - lo;
        for_each(x, vocab, vec, [&](int i, float v) {
            if (__float_as_uint(v) - lo < width) {  // unsigned wrap: keys below lo fail too
                const int pos = atomicAdd(&s.list_count, 1);
                if (pos < LIST_CAP) { list_v[pos] = v; list_i[pos] = i; }
            }
        });
        __syncthreads();
        const int count = s.list_count;
        if (count >= 1 && count <= LIST_CAP) {
            int n = 1;
            while (n < count) n <<= 1;
            for (int q = count + threadIdx.x; q < n; q += THREADS) { list_v[q] = -1.0f; list_i[q] = INT_MAX; }
            __syncthreads();
            bitonic_sort(list_v, list_i, n);
            // Prefix sum over the sorted list: the pivot is the first entry where above + prefix >= p.
            float v4[PER_THREAD], local = 0.0f;
#pragma unroll
            for (int j = 0; j < PER_THREAD; ++j) {
                const int q = PER_THREAD * threadIdx.x + j;
                v4[j] = q < count ? list_v[q] : 0.0f;
                local += v4[j];
            }
            float total;
            const float start = above + block_exclusive_scan<float>(local, s.warp_f, total);
            const int winner = first_thread_where(local > 0.0f && start + local >= p, s);
            if (threadIdx.x == (winner == INT_MAX ? (count - 1) / PER_THREAD : winner)) {
                float sum = start;
                int pos = -1;
#pragma unroll
                for (int j = 0; j < PER_THREAD; ++j) {
                    const int q = PER_THREAD * threadIdx.x + j;
                    if (q < count && pos < 0) {
                        sum += v4[j];
                        if (sum >= p || q == count - 1) pos = q;
                    }
                }
                s.pivot_pos = pos;
                s.pivot_mass = sum;
            }
            __syncthreads();
            const int pos = s.pivot_pos;
            kept_mass = s.pivot_mass;
            const float pv = list_v[pos];
            pivot = __float_as_uint(pv);
            // Equal probabilities are adjacent in the sorted list, ordered by index: the kept ones are those at or
            // before the pivot position.
            int le = 0, eq = 0;
#pragma unroll
            for (int j = 0; j < PER_THREAD; ++j) {
                const int q = PER_THREAD * threadIdx.x + j;
                const bool same = q < count && list_v[q] == pv;
                eq += same;
                le += same && q <= pos;
            }
            r = block_sum<int>(le, s.warp_i);
            count_equal = block_sum<int>(eq, s.warp_i);
        } else {
            // ---- flat distribution: radix descent over [lo, hi), 16 digits per pass ----
            for (;;) {
                const unsigned w = hi - lo;
                const int shift = max(0, (32 - __clz(w - 1)) - 4);  // (w - 1) >> shift < 16
                bucket_masses(x, vocab, vec, [=](unsigned key) {
                    const unsigned off = key - lo;
                    return off < w ? (int)(off >> shift) : -1;
                }, acc, s, mass);
                int chosen = 0;  // digit 0 if rounding leaves the mass just short of p
                for (int d = BUCKETS - 1; d > 0; --d) {
                    if (above + mass[d] >= p) { chosen = d; break; }
                    above += mass[d];
                }
                const unsigned new_lo = lo + ((unsigned)chosen << shift);
                if (shift == 0) { pivot = new_lo; break; }
                hi = min(hi, new_lo + (1u << shift));
                lo = new_lo;
            }
            int local = 0;
            for_each(x, vocab, vec, [&](int, float v) { local += __float_as_uint(v) == pivot; });
            count_equal = block_sum<int>(local, s.warp_i);
            const float pv = __uint_as_float(pivot);
            if (pv > 0.0f) {
                const float need = ceilf((p - above) / pv);
                r = need <= 1.0f ? 1 : (need >= (float)count_equal ? count_equal : (int)need);
            } else {
                r = count_equal;  // zeros add no mass
            }
            kept_mass = above + (float)r * pv;
        }
    }
    const bool need_rank = !keep_all && r < count_equal;  // the nucleus cuts through a group of equal values
    const float t = u[row] * kept_mass;

    // ---- pass C: inverse-CDF walk in index order ----
    float running = 0.0f;
    int running_equal = 0;
    int last_kept = -1;  // this thread's highest kept index, for the rounding fallback
    for (int base = 0; base < vocab; base += CHUNK) {
        const int first = base + PER_THREAD * threadIdx.x;
        float v[PER_THREAD];
        bool valid[PER_THREAD];
        if (vec && first + PER_THREAD <= vocab) {
            const float4 q = *reinterpret_cast<const float4*>(x + first);
            v[0] = q.x; v[1] = q.y; v[2] = q.z; v[3] = q.w;
#pragma unroll
            for (int j = 0; j < PER_THREAD; ++j) valid[j] = true;
        } else {
#pragma unroll
            for (int j = 0; j < PER_THREAD; ++j) {
                valid[j] = first + j < vocab;
                v[j] = valid[j] ? x[first + j] : 0.0f;
            }
        }
        int equal_before = 0;
        if (need_rank) {  // ranks among the tokens equal to the pivot, in index order
            int c = 0;
#pragma unroll
            for (int j = 0; j < PER_THREAD; ++j) c += valid[j] && __float_as_uint(v[j]) == pivot;
            int chunk_equal;
            equal_before = running_equal + block_exclusive_scan<int>(c, s.warp_i, chunk_equal);
            running_equal += chunk_equal;
        }
        bool kept[PER_THREAD];
        float local = 0.0f;
#pragma unroll
        for (int j = 0; j < PER_THREAD; ++j) {
            const unsigned key = __float_as_uint(v[j]);
            kept[j] = valid[j] && (key > pivot || (key == pivot && equal_before < r));
            if (valid[j] && key == pivot) ++equal_before;
            local += kept[j] ? v[j] : 0.0f;
            if (kept[j]) last_kept = first + j;
        }
        float chunk_mass;
        const float start = running + block_exclusive_scan<float>(local, s.warp_f, chunk_mass);
        // Parallel prefix sums of floats need not be monotone: take the first thread that passes t.
        const int winner = first_thread_where(local > 0.0f && start + local > t, s);
        if (winner != INT_MAX) {
            if (threadIdx.x == winner) {
                float sum = start;
                int answer = -1;
#pragma unroll
                for (int j = 0; j < PER_THREAD; ++j) {
                    if (kept[j] && (answer < 0 || sum <= t)) {
                        answer = first + j;  // stays on the last kept one if rounding never passes t
                        sum += v[j];
                    }
                }
                token[row] = answer;
            }
            return;  // block-uniform
        }
        running += chunk_mass;
    }
    // Rounding left the running sum at or below t: return the last kept token.
    int last = last_kept;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) last = max(last, __shfl_xor_sync(FULL, last, o));
    if ((threadIdx.x & 31) == 0) s.warp_i[threadIdx.x >> 5] = last;
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 0; w < WARPS; ++w) last = max(last, s.warp_i[w]);
        token[row] = last;
    }
}

extern "C" void solve(const float* probs, const float* u, int* token, int rows, int vocab, float p) {
    const bool vec = vocab % 4 == 0 && (reinterpret_cast<uintptr_t>(probs) & 15) == 0;
    const int smem = BUCKETS * THREADS * sizeof(float);  // 64 KiB of per-thread bucket accumulators
    cudaFuncSetAttribute(top_p_sample, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
    top_p_sample<<<rows, THREADS, smem>>>(probs, u, token, vocab, p, vec);
}
