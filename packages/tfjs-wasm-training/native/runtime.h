/*
 * Shared by the native kernels: the thread pool, per-thread scratch memory,
 * the convolution geometry and small AVX2 helpers.
 */
#ifndef ASNG_RUNTIME_H
#define ASNG_RUNTIME_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_THREADS 16

/* Functions compiled for AVX2 + FMA; the addon refuses to run on CPUs without them. */
#define AVX2 __attribute__((target("avx2,fma")))

/* ---- thread pool (runtime.c) ---- */

/* A task: `task` from 0 to tasks-1, run on thread `thread` (0 is the caller). */
typedef void (*task_fn)(const void *ctx, int task, int thread);

/* Runs tasks 0..tasks-1 on the pool (the caller works too) and returns when all are done. */
void parallel_for(int tasks, task_fn fn, const void *ctx);
/* A band of output rows [first, last) of image n. */
typedef void (*band_fn)(const void *ctx, int n, int first, int last, int thread);
/*
 * Runs fn over bands of consecutive rows of each of `batch` images of `rows` rows, about 8 KiB of
 * output a band (`row_floats` a row): a filter that reads each input row for several output rows
 * finds them in its own core's cache, where one task per row spread neighbours over the cores.
 */
void parallel_bands(int batch, int rows, int64_t row_floats, band_fn fn, const void *ctx);
/* Sets the number of threads (the caller included, 1..MAX_THREADS); returns the number running. */
int pool_set_threads(int threads);
/*
 * Sums whose order does not depend on the threads' timing. The work is cut
 * into `chunks` (at most MAX_CHUNKS) fixed parts: chunk c sums into its own
 * buffer partial[c] (`size` floats; chunk 0's is `out`), whichever thread
 * runs it; then out[i] = partial[0][i] + partial[1][i] + ... in chunk order.
 * `partial` points at the job's MAX_CHUNKS slots, filled in before the
 * chunks run. With `clear`, each buffer is zeroed before its chunk runs;
 * without, each chunk must write every value of its buffer before adding to
 * it. With the chunks cut from the shape alone (sum_chunks), the result is
 * the same bits whatever the timing and the thread count. Returns 0, or -1
 * when out of memory.
 */
#define MAX_CHUNKS 16
int ordered_sum(int chunks, task_fn fn, const void *job, float **partial, float *out, size_t size, int clear);
/*
 * The number of chunks for `units` units of work summed into `size` floats,
 * at least `per_chunk` units each where possible: from the shape alone, never
 * the thread count. 0 when there is no work.
 */
int sum_chunks(int64_t units, int64_t per_chunk, size_t size);
/* The first unit of chunk `chunk` of `chunks` over `units` units (chunk `chunks` gives `units`). */
static inline int64_t chunk_start(int64_t units, int chunks, int chunk) { return units * chunk / chunks; }
int pool_threads(void);
/* Serialises calls into the addon: several Node.js threads may load it. */
void addon_lock(void);
void addon_unlock(void);

/* Per-thread scratch buffers, grown on demand and kept: `which` from 0 to 2. */
float *scratch_floats(int thread, int which, size_t count);
/*
 * Buffers of the call in progress (the calling thread's, under the addon lock;
 * the pool's tasks may read and write them), grown on demand and kept, 64-byte
 * aligned, contents undefined: one per `which` (CALL_*), so that a kernel can
 * hold several at once. Kept rather than freed: freed, glibc gives their pages
 * back to the system (or not) depending on the heap's state, and a process
 * where it does fault every page in again on every call (the Winograd filter
 * gradient of a 64->64 3x3 layer, 3.75 MiB of chunk sums: 960 page faults and
 * 3.5 -> 9.5 ms per call in bench:train, in about half the processes).
 */
enum { CALL_PARTIAL, CALL_SUMS, CALL_PACK, CALL_WEIGHTS, CALL_TRANSPOSED, CALL_BUFFERS };
float *call_floats(int which, size_t count);
const float **scratch_pointers(int thread, size_t count);
/* 64-byte aligned memory, freed with free(). */
float *aligned_floats(size_t count);

/* ---- geometry of a 2-D convolution or pooling, NHWC ---- */

typedef struct {
  int batch, in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int filter_h, filter_w;
  int stride_h, stride_w;
  int dilation_h, dilation_w;
  int pad_top, pad_left;
} conv_shape;

/* Masks of the valid lanes of a 16-wide panel cut at `cols` (1..16). */
static inline AVX2 void column_masks(int cols, __m256i *lo, __m256i *hi) {
  int32_t m[16];
  for (int q = 0; q < 16; q++) m[q] = q < cols ? -1 : 0;
  *lo = _mm256_loadu_si256((const __m256i *)m);
  *hi = _mm256_loadu_si256((const __m256i *)(m + 8));
}

/* ---- kernels; each returns 0, or -1 when out of memory ---- */

/* What the forward convolution applies to its output: y = act(y + bias). */
enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_LEAKY_RELU = 3 };

/*
 * The vector width of the convolution tiles: 512 (AVX-512F) or 256 (AVX2).
 * conv_set_vector_bits(256) forces AVX2, any other value the widest the CPU
 * has (the default); returns the width in use. Both give the same bits.
 */
int conv_set_vector_bits(int bits);
int conv_vector_bits(void);
/*
 * Whether 3x3 convolutions of stride 1 (8 channels or more) run by Winograd
 * F(2x2, 3x3) (forward and input gradient; the default) or directly:
 * conv_set_winograd(0) or (1) sets it, (-1) only reads it; returns the setting.
 */
int conv_set_winograd(int on);
int conv_forward(const conv_shape *s, const float *x, const float *w, float *y, const float *bias, int activation,
                 float alpha);
int conv_input_grad(const conv_shape *s, const float *dy, const float *w, float *dx);
int conv_filter_grad(const conv_shape *s, const float *x, const float *dy, float *dw);

int depthwise_forward(const conv_shape *s, const float *x, const float *w, float *y);
int depthwise_input_grad(const conv_shape *s, const float *dy, const float *w, float *dx);
int depthwise_filter_grad(const conv_shape *s, const float *x, const float *dy, float *dw);

int max_pool(const conv_shape *s, const float *x, float *y);
int avg_pool(const conv_shape *s, const float *x, float *y);
int max_pool_grad(const conv_shape *s, const float *x, const float *y, const float *dy, float *dx);
int avg_pool_grad(const conv_shape *s, const float *dy, float *dx);

int sum_adjacent(const float *x, float *out, int64_t outer, int64_t reduced, int64_t inner);
int mean_adjacent(const float *x, float *out, int64_t outer, int64_t reduced, int64_t inner);
int relu_bias_grad(const float *dy, const float *y, float *dx, float *dbias, int64_t rows, int64_t channels);
int normalize_batch(const float *x, float *y, float *mean, float *variance, int64_t rows, int channels,
                    float epsilon);
int normalize_batch_grad(const float *dy, const float *y, const float *variance, float *dx, int64_t rows,
                         int channels, float epsilon);

#define MAX_BOX_RANK 8
int copy_box(const uint32_t *src, uint32_t *dst, int rank, const int64_t *src_shape, const int64_t *dst_shape,
             const int64_t *src_begin, const int64_t *dst_begin, const int64_t *size);
int fill_values(uint32_t *dst, int64_t count, uint32_t value);
int tile_values(const uint32_t *src, uint32_t *dst, int rank, const int64_t *src_shape, const int64_t *reps);
int relu_grad(const float *dy, const float *x, float *dx, int64_t count);
int relu_forward(const float *x, float *y, int64_t count);
int add_values(const float *a, const float *b, float *out, int64_t count, int64_t period);

#endif
