#include <cuda_runtime.h>

// Recursive reduce-then-scan. Level 1: every block of 1024 threads scans 1024 elements in shared memory
// (Hillis-Steele, log2(1024) = 10 steps) and writes its total to a workspace. The block totals are scanned
// by the same routine (recursively), then a third kernel adds the scanned total of all earlier blocks.
constexpr int kBlock = 1024;

__global__ void scan_block(const int* in, int* out, int* block_sums, int n) {
    __shared__ int s[kBlock];
    const int tid = threadIdx.x;
    const long long i = (long long)blockIdx.x * kBlock + tid;
    s[tid] = i < n ? in[i] : 0;
    __syncthreads();
    for (int offset = 1; offset < kBlock; offset <<= 1) {
        const int v = tid >= offset ? s[tid - offset] : 0;
        __syncthreads();  // everyone has read before anyone writes
        s[tid] += v;
        __syncthreads();
    }
    if (i < n) out[i] = s[tid];
    if (block_sums != nullptr && tid == kBlock - 1) block_sums[blockIdx.x] = s[kBlock - 1];
}

// out[i] += inclusive scan of the block totals up to the previous block.
__global__ void add_block_offsets(int* out, const int* scanned_sums, int n) {
    if (blockIdx.x == 0) return;
    const long long i = (long long)blockIdx.x * kBlock + threadIdx.x;
    if (i < n) out[i] += scanned_sums[blockIdx.x - 1];
}

// Scans in[0..n) into out; ws holds room for the block totals of this level and all deeper ones.
static void scan(const int* in, int* out, int n, int* ws) {
    const int blocks = (n + kBlock - 1) / kBlock;
    if (blocks == 1) {
        scan_block<<<1, kBlock>>>(in, out, nullptr, n);
        return;
    }
    scan_block<<<blocks, kBlock>>>(in, out, ws, n);
    scan(ws, ws, blocks, ws + blocks);  // in place: each block reads its range before it writes it
    add_block_offsets<<<blocks, kBlock>>>(out, ws, n);
}

extern "C" void solve(const int* input, int* output, int n) {
    if (n <= 0) return;
    const int blocks = (n + kBlock - 1) / kBlock;
    // Totals of every level: blocks + ceil(blocks / 1024) + ... is below blocks + blocks / 1024 + 8.
    const size_t ws_elems = (size_t)blocks + blocks / kBlock + 8;
    int* ws = nullptr;
    cudaMallocAsync(&ws, ws_elems * sizeof(int), 0);
    scan(input, output, n, ws);
    cudaFreeAsync(ws, 0);
}
