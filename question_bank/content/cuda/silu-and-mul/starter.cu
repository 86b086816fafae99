#include <cuda_runtime.h>
#include <cuda_fp16.h>

// output[t * d + j] = silu(input[t * 2d + j]) * input[t * 2d + d + j], computed in float32.
// input is [tokens, 2d], output is [tokens, d], both float16 row-major device pointers.
__global__ void silu_and_mul(const __half* input, __half* output, int tokens, int d) {
    // Your kernel here.
}

extern "C" void solve(const __half* input, __half* output, int tokens, int d) {
    int threads = 256;
    silu_and_mul<<<tokens, threads>>>(input, output, tokens, d);
}
