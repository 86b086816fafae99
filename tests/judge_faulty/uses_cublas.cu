#include <cuda_runtime.h>
#include <cublas_v2.h>
extern "C" void solve(const float* a, const float* b, float* c, int n) {
    cublasHandle_t handle;
    cublasCreate(&handle);
    cudaMemcpy(c, b, n * sizeof(float), cudaMemcpyDeviceToDevice);
    float one = 1.0f;
    cublasSaxpy(handle, n, &one, a, 1, c, 1);
}
