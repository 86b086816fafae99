#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <mma.h>       // nvcuda::wmma, if you use it; inline PTX mma.sync / ldmatrix / cp.async also work

// c[m, n] = a[m, k] * b[k, n]: a, b, c row-major fp16 device pointers, accumulate in fp32.
// m, n, k are arbitrary positive sizes (not necessarily multiples of your tile sizes).
__global__ void hgemm(const __half* a, const __half* b, __half* c, int m, int n, int k) {
    // Your kernel here.
}

extern "C" void solve(const __half* a, const __half* b, __half* c, int m, int n, int k) {
    const dim3 block(128);
    const dim3 grid((n + 127) / 128, (m + 127) / 128);
    hgemm<<<grid, block>>>(a, b, c, m, n, k);
}
