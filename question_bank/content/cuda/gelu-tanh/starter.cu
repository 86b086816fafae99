#include <cuda_runtime.h>
#include <cuda_bf16.h>

// y[i] = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) for 0 <= i < n, computed in float32.
// x and y are bfloat16 device pointers.
__global__ void gelu_tanh(const __nv_bfloat16* x, __nv_bfloat16* y, int n) {
    // Your kernel here.
}

extern "C" void solve(const __nv_bfloat16* x, __nv_bfloat16* y, int n) {
    int threads = 256;
    int blocks = (n + threads - 1) / threads;
    gelu_tanh<<<blocks, threads>>>(x, y, n);
}
