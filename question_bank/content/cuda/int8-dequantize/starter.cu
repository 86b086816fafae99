#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cstdint>

// out[r * cols + c] = (half)((float)w[r * cols + c] * scales[r]).
// w: [rows, cols] int8, scales: [rows] float32, out: [rows, cols] float16; all device pointers, row-major.
__global__ void dequantize(const int8_t* w, const float* scales, __half* out, int rows, int cols) {
    // Your kernel here.
}

extern "C" void solve(const int8_t* w, const float* scales, __half* out, int rows, int cols) {
    dim3 threads(256);
    dim3 blocks((cols + 255) / 256, rows);
    dequantize<<<blocks, threads>>>(w, scales, out, rows, cols);
}
