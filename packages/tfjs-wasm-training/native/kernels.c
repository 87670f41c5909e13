/*
 * Native CPU kernels for training convolutional networks with the tfjs wasm
 * backend in Node.js: 2-D convolution and its input and filter gradients,
 * computed in place on the wasm heap (zero copy) with AVX2/FMA and a small
 * thread pool.
 *
 * Every convolution is a matrix product on the fly ("implicit GEMM"): blocks
 * of the im2col matrix are packed straight from the NHWC tensor into panels of
 * MR rows, the other operand into panels of NR columns, and a 6x16 register
 * tile accumulates their products.
 *
 *   forward        y[p][co]  = sum_k  patch(x)[p][k] * w[k][co]      rows p split over threads
 *   input grad     dx[q][ci] = sum_t,co dy[..][co] * w[t][ci][co]    one product per stride phase
 *   filter grad    dw[k][co] = sum_p  patch(x)[p][k] * dy[p][co]     pixels p split over threads
 *
 * p: output pixel (n, oh, ow); k: (kh, kw, ci); layouts NHWC and HWIO as in tfjs.
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "napi-abi.h"

#define MR 6
#define NR 16
#define KC 256 /* depth of a packed block */
#define MC 96  /* rows of A per task (a multiple of MR) */
#define MAX_THREADS 16

#define AVX2 __attribute__((target("avx2,fma")))

/* ------------------------------------------------------------------------ */
/* Thread pool: the calling thread works too; tasks are taken from a counter. */

typedef void (*task_fn)(const void *ctx, int task, int thread);

static struct {
  int threads; /* workers + the caller */
  pthread_t ids[MAX_THREADS];
  pthread_mutex_t mu;
  pthread_cond_t start_cv;
  pthread_cond_t done_cv;
  unsigned long generation;
  int busy;
  int stop;
  task_fn fn;
  const void *ctx;
  int tasks;
  atomic_int next;
} pool = {1, {0}, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL, NULL, 0, 0};

/* One call at a time: several Node.js threads may load this addon. */
static pthread_mutex_t call_mu = PTHREAD_MUTEX_INITIALIZER;

static void run_tasks(int thread) {
  for (;;) {
    int t = atomic_fetch_add(&pool.next, 1);
    if (t >= pool.tasks) return;
    pool.fn(pool.ctx, t, thread);
  }
}

/* The generation current when the workers were started: a job posted before a worker first
 * takes the lock is still seen as new. */
static unsigned long spawn_generation;

static void *worker_main(void *arg) {
  int thread = (int)(intptr_t)arg;
  unsigned long seen = spawn_generation;
  pthread_mutex_lock(&pool.mu);
  for (;;) {
    while (pool.generation == seen && !pool.stop) pthread_cond_wait(&pool.start_cv, &pool.mu);
    if (pool.stop) break;
    seen = pool.generation;
    pthread_mutex_unlock(&pool.mu);
    run_tasks(thread);
    pthread_mutex_lock(&pool.mu);
    if (--pool.busy == 0) pthread_cond_signal(&pool.done_cv);
  }
  pthread_mutex_unlock(&pool.mu);
  return NULL;
}

static void pool_resize(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads == pool.threads) return;
  pthread_mutex_lock(&pool.mu);
  pool.stop = 1;
  pthread_cond_broadcast(&pool.start_cv);
  pthread_mutex_unlock(&pool.mu);
  for (int i = 1; i < pool.threads; i++) pthread_join(pool.ids[i], NULL);
  pool.stop = 0;
  spawn_generation = pool.generation;
  int started = 1;
  for (int i = 1; i < threads; i++) {
    if (pthread_create(&pool.ids[i], NULL, worker_main, (void *)(intptr_t)i) != 0) break;
    started++;
  }
  pool.threads = started;
}

static void parallel_for(int tasks, task_fn fn, const void *ctx) {
  if (tasks <= 0) return;
  pool.fn = fn;
  pool.ctx = ctx;
  pool.tasks = tasks;
  atomic_store(&pool.next, 0);
  int helpers = pool.threads - 1;
  if (helpers > tasks - 1) helpers = tasks - 1;
  if (helpers > 0) {
    pthread_mutex_lock(&pool.mu);
    pool.busy = pool.threads - 1;
    pool.generation++;
    pthread_cond_broadcast(&pool.start_cv);
    pthread_mutex_unlock(&pool.mu);
  }
  run_tasks(0);
  if (helpers > 0) {
    pthread_mutex_lock(&pool.mu);
    while (pool.busy > 0) pthread_cond_wait(&pool.done_cv, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
  }
}

/* Per-thread scratch buffers, grown on demand, 64-byte aligned. */
static float *scratch[MAX_THREADS][2];
static size_t scratch_size[MAX_THREADS][2];

static float *scratch_buffer(int thread, int which, size_t floats) {
  if (scratch_size[thread][which] < floats) {
    free(scratch[thread][which]);
    scratch[thread][which] = aligned_alloc(64, ((floats * sizeof(float) + 63) / 64) * 64);
    scratch_size[thread][which] = scratch[thread][which] ? floats : 0;
  }
  return scratch[thread][which];
}

/* ------------------------------------------------------------------------ */
/* The register tile: C[0..6)[col..col+16) (+)= A panel (kc x 6) * B panel (kc x 16). */

AVX2 static void tile_6x16(int kc, const float *restrict a, const float *restrict b, float *const *rows, int col,
                           int accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int k = 0; k < kc; k++) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 a0 = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(a0, b0, c00);
    c01 = _mm256_fmadd_ps(a0, b1, c01);
    __m256 a1 = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(a1, b0, c10);
    c11 = _mm256_fmadd_ps(a1, b1, c11);
    __m256 a2 = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(a2, b0, c20);
    c21 = _mm256_fmadd_ps(a2, b1, c21);
    __m256 a3 = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(a3, b0, c30);
    c31 = _mm256_fmadd_ps(a3, b1, c31);
    __m256 a4 = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(a4, b0, c40);
    c41 = _mm256_fmadd_ps(a4, b1, c41);
    __m256 a5 = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(a5, b0, c50);
    c51 = _mm256_fmadd_ps(a5, b1, c51);
    a += MR;
    b += NR;
  }
#define STORE_ROW(r, lo, hi)                                                  \
  do {                                                                        \
    float *dst = rows[r] + col;                                               \
    if (accumulate) {                                                         \
      lo = _mm256_add_ps(lo, _mm256_loadu_ps(dst));                           \
      hi = _mm256_add_ps(hi, _mm256_loadu_ps(dst + 8));                       \
    }                                                                         \
    _mm256_storeu_ps(dst, lo);                                                \
    _mm256_storeu_ps(dst + 8, hi);                                            \
  } while (0)
  STORE_ROW(0, c00, c01);
  STORE_ROW(1, c10, c11);
  STORE_ROW(2, c20, c21);
  STORE_ROW(3, c30, c31);
  STORE_ROW(4, c40, c41);
  STORE_ROW(5, c50, c51);
#undef STORE_ROW
}

/* A tile that may be cut by the edge of C: `nrows` x `ncols` of it are real. */
static void tile(int kc, const float *a, const float *b, float *const *rows, int col, int nrows, int ncols,
                 int accumulate) {
  if (nrows == MR && ncols == NR) {
    tile_6x16(kc, a, b, rows, col, accumulate);
    return;
  }
  float tmp[MR * NR] __attribute__((aligned(32)));
  float *trows[MR];
  for (int r = 0; r < MR; r++) trows[r] = tmp + r * NR;
  tile_6x16(kc, a, b, trows, 0, 0);
  for (int r = 0; r < nrows; r++) {
    float *dst = rows[r] + col;
    if (accumulate)
      for (int q = 0; q < ncols; q++) dst[q] += tmp[r * NR + q];
    else
      for (int q = 0; q < ncols; q++) dst[q] = tmp[r * NR + q];
  }
}

/* ------------------------------------------------------------------------ */
/* Convolution geometry. */

typedef struct {
  int batch, in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int filter_h, filter_w;
  int stride_h, stride_w;
  int dilation_h, dilation_w;
  int pad_top, pad_left;
} conv_shape;

/* ------------------------------------------------------------------------ */
/* Forward: y (P x Cout) = patches(x) (P x K) * w (K x Cout). */

/* What the forward convolution applies to its output: y = act(y + bias). */
enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_LEAKY_RELU = 3 };

typedef struct {
  const conv_shape *s;
  const float *x;
  const float *bpack; /* ceil(Cout/NR) panels of K x NR */
  float *y;
  int rows, depth, cols; /* P, K, Cout */
  const float *bias;     /* Cout values, or NULL */
  int activation;
  float alpha; /* slope of leaky relu */
} forward_job;

static void bias_activation(float *y, int rows, int cols, const float *bias, int activation, float alpha) {
  if (!bias && activation == ACT_LINEAR) return;
  for (int r = 0; r < rows; r++) {
    float *v = y + (size_t)r * cols;
    if (bias)
      for (int c = 0; c < cols; c++) v[c] += bias[c];
    switch (activation) {
      case ACT_RELU:
        for (int c = 0; c < cols; c++) v[c] = v[c] > 0.0f ? v[c] : 0.0f;
        break;
      case ACT_RELU6:
        for (int c = 0; c < cols; c++) v[c] = v[c] > 0.0f ? (v[c] < 6.0f ? v[c] : 6.0f) : 0.0f;
        break;
      case ACT_LEAKY_RELU:
        for (int c = 0; c < cols; c++) v[c] = v[c] > 0.0f ? v[c] : alpha * v[c];
        break;
      default:
        break;
    }
  }
}

/*
 * Packs rows [m0, m0+mc) and depth [k0, k0+kc) of the im2col matrix of `x`
 * into panels of MR rows: dst[panel][k][r]. Rows past mc are zero.
 */
static void pack_patches(const conv_shape *s, const float *x, int m0, int mc, int k0, int kc, float *dst) {
  const int ci_count = s->in_c;
  const int pixels = s->out_h * s->out_w;
  for (int r = 0; r < ((mc + MR - 1) / MR) * MR; r++) {
    float *out = dst + (size_t)(r / MR) * kc * MR + (r % MR);
    if (r >= mc) {
      for (int k = 0; k < kc; k++) out[(size_t)k * MR] = 0.0f;
      continue;
    }
    const int m = m0 + r;
    const int n = m / pixels;
    const int rem = m - n * pixels;
    const int oh = rem / s->out_w;
    const int ow = rem - oh * s->out_w;
    const int ih0 = oh * s->stride_h - s->pad_top;
    const int iw0 = ow * s->stride_w - s->pad_left;
    int k = k0;
    const int k_end = k0 + kc;
    while (k < k_end) {
      const int t = k / ci_count;
      const int ci = k - t * ci_count;
      const int kh = t / s->filter_w;
      const int kw = t - kh * s->filter_w;
      int len = ci_count - ci;
      if (len > k_end - k) len = k_end - k;
      const int ih = ih0 + kh * s->dilation_h;
      const int iw = iw0 + kw * s->dilation_w;
      float *o = out + (size_t)(k - k0) * MR;
      if (ih < 0 || ih >= s->in_h || iw < 0 || iw >= s->in_w) {
        for (int q = 0; q < len; q++) o[(size_t)q * MR] = 0.0f;
      } else {
        const float *src = x + (((size_t)n * s->in_h + ih) * s->in_w + iw) * ci_count + ci;
        for (int q = 0; q < len; q++) o[(size_t)q * MR] = src[q];
      }
      k += len;
    }
  }
}

/* Packs a K x N row-major matrix (row stride ldb) into ceil(N/NR) zero-padded panels of K x NR. */
static void pack_columns(const float *b, int depth, int cols, size_t ldb, float *dst) {
  const int panels = (cols + NR - 1) / NR;
  for (int j = 0; j < panels; j++) {
    const int c0 = j * NR;
    const int w = cols - c0 < NR ? cols - c0 : NR;
    float *out = dst + (size_t)j * depth * NR;
    for (int k = 0; k < depth; k++) {
      const float *src = b + (size_t)k * ldb + c0;
      float *o = out + (size_t)k * NR;
      int q = 0;
      for (; q < w; q++) o[q] = src[q];
      for (; q < NR; q++) o[q] = 0.0f;
    }
  }
}

/* Multiplies one block of packed rows (mc x K, packed per KC slice by `pack`) into C rows. */
static void multiply_rows(const float *bpack, int depth, int cols, int mc, float *const *rows_of_c,
                          float *abuf, void (*pack)(const void *, int, int, int, float *), const void *pack_ctx) {
  const int panels = (cols + NR - 1) / NR;
  for (int k0 = 0; k0 < depth; k0 += KC) {
    const int kc = depth - k0 < KC ? depth - k0 : KC;
    pack(pack_ctx, k0, kc, mc, abuf);
    for (int j = 0; j < panels; j++) {
      const float *bp = bpack + (size_t)j * depth * NR + (size_t)k0 * NR;
      const int ncols = cols - j * NR < NR ? cols - j * NR : NR;
      for (int i = 0; i < mc; i += MR) {
        const int nrows = mc - i < MR ? mc - i : MR;
        tile(kc, abuf + (size_t)(i / MR) * kc * MR, bp, rows_of_c + i, j * NR, nrows, ncols, k0 > 0);
      }
    }
  }
}

typedef struct {
  const conv_shape *s;
  const float *x;
  int m0;
} forward_pack_ctx;

static void forward_pack(const void *ctx, int k0, int kc, int mc, float *dst) {
  const forward_pack_ctx *c = ctx;
  pack_patches(c->s, c->x, c->m0, mc, k0, kc, dst);
}

static void forward_task(const void *ctx, int task, int thread) {
  const forward_job *job = ctx;
  const int m0 = task * MC;
  const int mc = job->rows - m0 < MC ? job->rows - m0 : MC;
  float *abuf = scratch_buffer(thread, 0, (size_t)MC * KC);
  if (!abuf) return;
  float *rows[MC + MR];
  for (int r = 0; r < mc; r++) rows[r] = job->y + (size_t)(m0 + r) * job->cols;
  forward_pack_ctx pc = {job->s, job->x, m0};
  multiply_rows(job->bpack, job->depth, job->cols, mc, rows, abuf, forward_pack, &pc);
  bias_activation(job->y + (size_t)m0 * job->cols, mc, job->cols, job->bias, job->activation, job->alpha);
}

static int conv_forward(const conv_shape *s, const float *x, const float *w, float *y, const float *bias,
                        int activation, float alpha) {
  const int depth = s->filter_h * s->filter_w * s->in_c;
  const int cols = s->out_c;
  const int rows = s->batch * s->out_h * s->out_w;
  const int panels = (cols + NR - 1) / NR;
  float *bpack = aligned_alloc(64, ((size_t)panels * depth * NR * sizeof(float) + 63) / 64 * 64);
  if (!bpack) return -1;
  pack_columns(w, depth, cols, (size_t)cols, bpack);
  forward_job job = {s, x, bpack, y, rows, depth, cols, bias, activation, alpha};
  parallel_for((rows + MC - 1) / MC, forward_task, &job);
  free(bpack);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Input gradient, one stride phase at a time. */

typedef struct {
  const conv_shape *s;
  const float *dy;
  float *dx;
  const float *bpack;
  const int *taps; /* (kh, kw) pairs valid in this phase */
  int tap_count;
  int phase_h, phase_w; /* first ih, iw of the phase */
  int count_h, count_w; /* rows and columns of dx in the phase */
  int rows, depth, cols; /* batch*count_h*count_w, tap_count*Cout, Cin */
} input_job;

typedef struct {
  const input_job *job;
  int m0;
} input_pack_ctx;

static void input_pack(const void *ctx, int k0, int kc, int mc, float *dst) {
  const input_pack_ctx *c = ctx;
  const input_job *job = c->job;
  const conv_shape *s = job->s;
  const int co_count = s->out_c;
  const int per_image = job->count_h * job->count_w;
  for (int r = 0; r < ((mc + MR - 1) / MR) * MR; r++) {
    float *out = dst + (size_t)(r / MR) * kc * MR + (r % MR);
    if (r >= mc) {
      for (int k = 0; k < kc; k++) out[(size_t)k * MR] = 0.0f;
      continue;
    }
    const int m = c->m0 + r;
    const int n = m / per_image;
    const int rem = m - n * per_image;
    const int ih = job->phase_h + (rem / job->count_w) * s->stride_h;
    const int iw = job->phase_w + (rem % job->count_w) * s->stride_w;
    int k = k0;
    const int k_end = k0 + kc;
    while (k < k_end) {
      const int t = k / co_count;
      const int co = k - t * co_count;
      int len = co_count - co;
      if (len > k_end - k) len = k_end - k;
      const int kh = job->taps[2 * t], kw = job->taps[2 * t + 1];
      /* exact divisions: the phase only holds taps that land on a stride multiple */
      const int oh = (ih + s->pad_top - kh * s->dilation_h) / s->stride_h;
      const int ow = (iw + s->pad_left - kw * s->dilation_w) / s->stride_w;
      const int nh = ih + s->pad_top - kh * s->dilation_h;
      const int nw = iw + s->pad_left - kw * s->dilation_w;
      float *o = out + (size_t)(k - k0) * MR;
      if (nh < 0 || nw < 0 || oh >= s->out_h || ow >= s->out_w) {
        for (int q = 0; q < len; q++) o[(size_t)q * MR] = 0.0f;
      } else {
        const float *src = job->dy + (((size_t)n * s->out_h + oh) * s->out_w + ow) * co_count + co;
        for (int q = 0; q < len; q++) o[(size_t)q * MR] = src[q];
      }
      k += len;
    }
  }
}

static void input_task(const void *ctx, int task, int thread) {
  const input_job *job = ctx;
  const conv_shape *s = job->s;
  const int m0 = task * MC;
  const int mc = job->rows - m0 < MC ? job->rows - m0 : MC;
  const int per_image = job->count_h * job->count_w;
  float *rows[MC + MR];
  for (int r = 0; r < mc; r++) {
    const int m = m0 + r;
    const int n = m / per_image;
    const int rem = m - n * per_image;
    const int ih = job->phase_h + (rem / job->count_w) * s->stride_h;
    const int iw = job->phase_w + (rem % job->count_w) * s->stride_w;
    rows[r] = job->dx + (((size_t)n * s->in_h + ih) * s->in_w + iw) * s->in_c;
  }
  if (job->tap_count == 0) {
    for (int r = 0; r < mc; r++) memset(rows[r], 0, sizeof(float) * s->in_c);
    return;
  }
  float *abuf = scratch_buffer(thread, 0, (size_t)MC * KC);
  if (!abuf) return;
  input_pack_ctx pc = {job, m0};
  multiply_rows(job->bpack, job->depth, job->cols, mc, rows, abuf, input_pack, &pc);
}

static int positive_mod(int a, int b) {
  int r = a % b;
  return r < 0 ? r + b : r;
}

static int conv_input_grad(const conv_shape *s, const float *dy, const float *w, float *dx) {
  const int cin = s->in_c, cout = s->out_c;
  const int panels = (cin + NR - 1) / NR;
  const int max_depth = s->filter_h * s->filter_w * cout;
  int *taps = malloc(sizeof(int) * 2 * s->filter_h * s->filter_w);
  float *wt = malloc(sizeof(float) * (size_t)max_depth * cin);
  float *bpack = aligned_alloc(64, ((size_t)panels * max_depth * NR * sizeof(float) + 63) / 64 * 64);
  if (!taps || !wt || !bpack) {
    free(taps);
    free(wt);
    free(bpack);
    return -1;
  }
  for (int ph = 0; ph < s->stride_h && ph < s->in_h; ph++) {
    for (int pw = 0; pw < s->stride_w && pw < s->in_w; pw++) {
      int tap_count = 0;
      for (int kh = 0; kh < s->filter_h; kh++) {
        if (positive_mod(ph + s->pad_top - kh * s->dilation_h, s->stride_h) != 0) continue;
        for (int kw = 0; kw < s->filter_w; kw++) {
          if (positive_mod(pw + s->pad_left - kw * s->dilation_w, s->stride_w) != 0) continue;
          taps[2 * tap_count] = kh;
          taps[2 * tap_count + 1] = kw;
          tap_count++;
        }
      }
      const int depth = tap_count * cout;
      /* wt[(t, co)][ci] = w[kh][kw][ci][co] */
      for (int t = 0; t < tap_count; t++) {
        const float *src = w + ((size_t)taps[2 * t] * s->filter_w + taps[2 * t + 1]) * cin * cout;
        for (int ci = 0; ci < cin; ci++)
          for (int co = 0; co < cout; co++) wt[((size_t)t * cout + co) * cin + ci] = src[(size_t)ci * cout + co];
      }
      if (depth > 0) pack_columns(wt, depth, cin, (size_t)cin, bpack);
      const int count_h = (s->in_h - ph + s->stride_h - 1) / s->stride_h;
      const int count_w = (s->in_w - pw + s->stride_w - 1) / s->stride_w;
      input_job job = {s, dy, dx, bpack, taps, tap_count, ph, pw, count_h, count_w,
                       s->batch * count_h * count_w, depth, cin};
      parallel_for((job.rows + MC - 1) / MC, input_task, &job);
    }
  }
  free(taps);
  free(wt);
  free(bpack);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Filter gradient: dw (K x Cout) = patches(x)^T (K x P) * dy (P x Cout), P split over threads. */

#define PC 256 /* pixels per task */

typedef struct {
  const conv_shape *s;
  const float *x;
  const float *dy;
  int depth, cols, pixels; /* K, Cout, P */
  float *partial[MAX_THREADS]; /* per thread K x Cout sums */
} filter_job;

/* Packs rows [k0, k0+mk) of patches(x)^T over pixels [p0, p0+pc) into panels of MR rows: dst[panel][p][r]. */
static void pack_patches_transposed(const conv_shape *s, const float *x, int k0, int mk, int p0, int pc,
                                    float *dst) {
  const int ci_count = s->in_c;
  const int pixels = s->out_h * s->out_w;
  const int padded = ((mk + MR - 1) / MR) * MR;
  const size_t panel_stride = (size_t)pc * MR;
  for (int pp = 0; pp < pc; pp++) {
    const int m = p0 + pp;
    const int n = m / pixels;
    const int rem = m - n * pixels;
    const int oh = rem / s->out_w;
    const int ow = rem - oh * s->out_w;
    const int ih0 = oh * s->stride_h - s->pad_top;
    const int iw0 = ow * s->stride_w - s->pad_left;
    int k = k0;
    const int k_end = k0 + mk;
    while (k < k_end) {
      const int t = k / ci_count;
      const int ci = k - t * ci_count;
      const int kh = t / s->filter_w;
      const int kw = t - kh * s->filter_w;
      int len = ci_count - ci;
      if (len > k_end - k) len = k_end - k;
      const int ih = ih0 + kh * s->dilation_h;
      const int iw = iw0 + kw * s->dilation_w;
      const int inside = !(ih < 0 || ih >= s->in_h || iw < 0 || iw >= s->in_w);
      const int r0 = k - k0;
      float *o = dst + (size_t)(r0 / MR) * panel_stride + (size_t)pp * MR;
      int lane = r0 % MR;
      if (inside) {
        const float *src = x + (((size_t)n * s->in_h + ih) * s->in_w + iw) * ci_count + ci;
        for (int q = 0; q < len; q++) {
          o[lane] = src[q];
          if (++lane == MR) {
            lane = 0;
            o += panel_stride;
          }
        }
      } else {
        for (int q = 0; q < len; q++) {
          o[lane] = 0.0f;
          if (++lane == MR) {
            lane = 0;
            o += panel_stride;
          }
        }
      }
      k += len;
    }
    for (int r = mk; r < padded; r++) dst[(size_t)(r / MR) * pc * MR + (size_t)pp * MR + (r % MR)] = 0.0f;
  }
}

static void filter_task(const void *ctx, int task, int thread) {
  const filter_job *job = ctx;
  const int p0 = task * PC;
  const int pc = job->pixels - p0 < PC ? job->pixels - p0 : PC;
  const int panels = (job->cols + NR - 1) / NR;
  float *bbuf = scratch_buffer(thread, 1, (size_t)panels * PC * NR);
  float *abuf = scratch_buffer(thread, 0, (size_t)MC * PC);
  float *c = job->partial[thread];
  if (!bbuf || !abuf || !c) return;
  pack_columns(job->dy + (size_t)p0 * job->cols, pc, job->cols, (size_t)job->cols, bbuf);
  float *rows[MC];
  for (int m0 = 0; m0 < job->depth; m0 += MC) {
    const int mk = job->depth - m0 < MC ? job->depth - m0 : MC;
    pack_patches_transposed(job->s, job->x, m0, mk, p0, pc, abuf);
    for (int r = 0; r < mk; r++) rows[r] = c + (size_t)(m0 + r) * job->cols;
    for (int j = 0; j < panels; j++) {
      const int ncols = job->cols - j * NR < NR ? job->cols - j * NR : NR;
      const float *bp = bbuf + (size_t)j * pc * NR;
      for (int i = 0; i < mk; i += MR) {
        const int nrows = mk - i < MR ? mk - i : MR;
        tile(pc, abuf + (size_t)(i / MR) * pc * MR, bp, rows + i, j * NR, nrows, ncols, 1);
      }
    }
  }
}

static int conv_filter_grad(const conv_shape *s, const float *x, const float *dy, float *dw) {
  filter_job job;
  memset(&job, 0, sizeof job);
  job.s = s;
  job.x = x;
  job.dy = dy;
  job.depth = s->filter_h * s->filter_w * s->in_c;
  job.cols = s->out_c;
  job.pixels = s->batch * s->out_h * s->out_w;
  const size_t size = (size_t)job.depth * job.cols;
  const int tasks = (job.pixels + PC - 1) / PC;
  int failed = 0;
  for (int t = 0; t < pool.threads; t++) {
    job.partial[t] = t == 0 ? dw : calloc(size, sizeof(float));
    if (!job.partial[t]) failed = 1;
  }
  memset(dw, 0, size * sizeof(float));
  if (!failed) parallel_for(tasks, filter_task, &job);
  for (int t = 1; t < pool.threads; t++) {
    if (job.partial[t])
      for (size_t i = 0; i < size; i++) dw[i] += job.partial[t][i];
    free(job.partial[t]);
  }
  return failed ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Node-API bindings. */

static napi_value undefined_value(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static float *float_array(napi_env env, napi_value v, size_t *length) {
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &type, length, &data, NULL, NULL) != napi_ok || type != napi_float32_array)
    return NULL;
  return data;
}

/*
 * Reads (x: Float32Array, filter: Float32Array, out: Float32Array, shape: Int32Array(15)) and
 * checks every length against the shape, so that no call can read or write outside the arrays.
 */
static int read_conv_args(napi_env env, napi_callback_info info, conv_shape *s, float **a, float **b, float **c,
                          size_t *la, size_t *lb, size_t *lc, napi_value *extra) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
    napi_throw_error(env, NULL, "expected (Float32Array, Float32Array, Float32Array, Int32Array)");
    return 0;
  }
  napi_typedarray_type type;
  size_t n = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[3], &type, &n, &data, NULL, NULL) != napi_ok || type != napi_int32_array ||
      n != 15) {
    napi_throw_error(env, NULL, "shape must be an Int32Array of 15 values");
    return 0;
  }
  const int32_t *v = data;
  conv_shape t = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  for (int i = 0; i < 13; i++) {
    if (v[i] < 1) {
      napi_throw_error(env, NULL, "convolution sizes, strides and dilations must be positive");
      return 0;
    }
  }
  if (t.in_c > (1 << 20) || t.out_c > (1 << 20) || t.filter_h > 1024 || t.filter_w > 1024) {
    napi_throw_error(env, NULL, "convolution shape out of range");
    return 0;
  }
  *s = t;
  *a = float_array(env, argv[0], la);
  *b = float_array(env, argv[1], lb);
  *c = float_array(env, argv[2], lc);
  if (!*a || !*b || !*c) {
    napi_throw_error(env, NULL, "the first three arguments must be Float32Arrays");
    return 0;
  }
  if (extra)
    for (int i = 0; i < 3; i++) extra[i] = i + 4 < (int)argc ? argv[i + 4] : NULL;
  return 1;
}

static size_t input_size(const conv_shape *s) { return (size_t)s->batch * s->in_h * s->in_w * s->in_c; }
static size_t output_size(const conv_shape *s) { return (size_t)s->batch * s->out_h * s->out_w * s->out_c; }
static size_t filter_size(const conv_shape *s) { return (size_t)s->filter_h * s->filter_w * s->in_c * s->out_c; }

static napi_value finish(napi_env env, int status) {
  if (status != 0) napi_throw_error(env, NULL, "out of memory in a native convolution kernel");
  return undefined_value(env);
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype type;
  return v == NULL || (napi_typeof(env, v, &type) == napi_ok && (type == napi_null || type == napi_undefined));
}

/* conv2d(x, filter, y, shape, bias?: Float32Array | null, activation?: 0-3, alpha?: number) */
static napi_value js_conv2d(napi_env env, napi_callback_info info) {
  conv_shape s;
  float *x, *w, *y;
  size_t lx, lw, ly;
  napi_value extra[3];
  if (!read_conv_args(env, info, &s, &x, &w, &y, &lx, &lw, &ly, extra)) return undefined_value(env);
  if (lx != input_size(&s) || lw != filter_size(&s) || ly != output_size(&s)) {
    napi_throw_error(env, NULL, "conv2d: array lengths do not match the shape");
    return undefined_value(env);
  }
  const float *bias = NULL;
  if (!is_nullish(env, extra[0])) {
    size_t lb = 0;
    bias = float_array(env, extra[0], &lb);
    if (!bias || lb != (size_t)s.out_c) {
      napi_throw_error(env, NULL, "conv2d: bias must be a Float32Array of one value per output channel");
      return undefined_value(env);
    }
  }
  int32_t activation = ACT_LINEAR;
  if (!is_nullish(env, extra[1]) &&
      (napi_get_value_int32(env, extra[1], &activation) != napi_ok || activation < 0 || activation > 3)) {
    napi_throw_error(env, NULL, "conv2d: activation must be 0 (linear), 1 (relu), 2 (relu6) or 3 (leaky relu)");
    return undefined_value(env);
  }
  double alpha = 0.2;
  if (!is_nullish(env, extra[2]) && napi_get_value_double(env, extra[2], &alpha) != napi_ok) {
    napi_throw_error(env, NULL, "conv2d: alpha must be a number");
    return undefined_value(env);
  }
  pthread_mutex_lock(&call_mu);
  int status = conv_forward(&s, x, w, y, bias, activation, (float)alpha);
  pthread_mutex_unlock(&call_mu);
  return finish(env, status);
}

/* conv2dBackpropInput(dy, filter, dx, shape) */
static napi_value js_conv2d_input_grad(napi_env env, napi_callback_info info) {
  conv_shape s;
  float *dy, *w, *dx;
  size_t ldy, lw, ldx;
  if (!read_conv_args(env, info, &s, &dy, &w, &dx, &ldy, &lw, &ldx, NULL)) return undefined_value(env);
  if (ldy != output_size(&s) || lw != filter_size(&s) || ldx != input_size(&s)) {
    napi_throw_error(env, NULL, "conv2dBackpropInput: array lengths do not match the shape");
    return undefined_value(env);
  }
  pthread_mutex_lock(&call_mu);
  int status = conv_input_grad(&s, dy, w, dx);
  pthread_mutex_unlock(&call_mu);
  return finish(env, status);
}

/* conv2dBackpropFilter(x, dy, dw, shape) */
static napi_value js_conv2d_filter_grad(napi_env env, napi_callback_info info) {
  conv_shape s;
  float *x, *dy, *dw;
  size_t lx, ldy, ldw;
  if (!read_conv_args(env, info, &s, &x, &dy, &dw, &lx, &ldy, &ldw, NULL)) return undefined_value(env);
  if (lx != input_size(&s) || ldy != output_size(&s) || ldw != filter_size(&s)) {
    napi_throw_error(env, NULL, "conv2dBackpropFilter: array lengths do not match the shape");
    return undefined_value(env);
  }
  pthread_mutex_lock(&call_mu);
  int status = conv_filter_grad(&s, x, dy, dw);
  pthread_mutex_unlock(&call_mu);
  return finish(env, status);
}

/* setThreads(n): the number of threads (the caller included), 1 to 16; returns the number running. */
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1 || n > MAX_THREADS) {
    napi_throw_error(env, NULL, "setThreads expects an integer from 1 to 16");
    return undefined_value(env);
  }
  pthread_mutex_lock(&call_mu);
  pool_resize(n);
  int running = pool.threads;
  pthread_mutex_unlock(&call_mu);
  napi_value result;
  napi_create_int32(env, running, &result);
  return result;
}

static napi_value js_get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int32(env, pool.threads, &result);
  return result;
}

/* supported(): whether this CPU has the instructions the kernels use. */
static napi_value js_supported(napi_env env, napi_callback_info info) {
  (void)info;
  __builtin_cpu_init();
  napi_value result;
  napi_get_boolean(env, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"), &result);
  return result;
}

static void export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, strlen(name), cb, NULL, &fn) == napi_ok)
    napi_set_named_property(env, exports, name, fn);
}

ASNG_NAPI_EXTERN napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  export_function(env, exports, "conv2d", js_conv2d);
  export_function(env, exports, "conv2dBackpropInput", js_conv2d_input_grad);
  export_function(env, exports, "conv2dBackpropFilter", js_conv2d_filter_grad);
  export_function(env, exports, "setThreads", js_set_threads);
  export_function(env, exports, "getThreads", js_get_threads);
  export_function(env, exports, "supported", js_supported);
  napi_value version;
  napi_create_int32(env, 1, &version);
  napi_set_named_property(env, exports, "version", version);
  return exports;
}
