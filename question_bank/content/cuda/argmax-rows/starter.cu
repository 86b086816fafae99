#include <cuda_runtime.h>

// out[r] = index of the maximum of logits[r * vocab .. r * vocab + vocab - 1]; the lowest index wins ties.
// logits: [rows, vocab] float32 row-major, out: [rows] int32; both device pointers.
__global__ void argmax_rows(const float* logits, int* out, int rows, int vocab) {
    // Your kernel here.
}

extern "C" void solve(const float* logits, int* out, int rows, int vocab) {
    int threads = 256;
    argmax_rows<<<rows, threads>>>(logits, out, rows, vocab);
}
