/*
 * Gradients of 2-D max and average pooling (NHWC), one task per image: each
 * task writes only its own image of dx.
 */
#include <math.h>
#include <string.h>

#include "runtime.h"

/* The input rows (or columns) [from, to) that window `out_index` covers, clipped to the image. */
static void window(int out_index, int stride, int pad, int filter, int limit, int *from, int *to) {
  const int start = out_index * stride - pad;
  *from = start < 0 ? 0 : start;
  *to = start + filter < limit ? start + filter : limit;
}

typedef struct {
  const conv_shape *s;
  const float *x;  /* max pool: the input */
  const float *y;  /* max pool: the forward output, or NULL */
  const float *dy;
  float *dx;
} pool_job;

/* The scalar rule for one channel of one window; returns the index in the image, or -1. */
static ptrdiff_t max_position(const conv_shape *s, const float *x, const float *y_at, int c, int row_from, int row_to,
                              int col_from, int col_to) {
  const int channels = s->in_c;
  if (y_at != NULL && !isnan(*y_at)) {
    const float target = *y_at;
    for (int r = row_from; r < row_to; r++)
      for (int q = col_from; q < col_to; q++) {
        const size_t i = ((size_t)r * s->in_w + q) * channels + c;
        if (x[i] == target) return (ptrdiff_t)i;
      }
    return -1;
  }
  float best = -INFINITY;
  ptrdiff_t at = -1;
  for (int r = row_from; r < row_to; r++)
    for (int q = col_from; q < col_to; q++) {
      const size_t i = ((size_t)r * s->in_w + q) * channels + c;
      if (x[i] > best) {
        best = x[i];
        at = (ptrdiff_t)i;
      }
    }
  return at;
}

/*
 * Eight channels of one window at a time: the lanes' targets (the forward
 * output, or the window's strict maximum where it is absent or NaN), then one
 * pass over the window that adds dy to the first pixel equal to the target.
 */
AVX2 static void max_pool_vector(const conv_shape *s, const float *x, float *dx, const float *y_at, const float *dy_at,
                                 int c, int row_from, int row_to, int col_from, int col_to, int tiled) {
  const int channels = s->in_c;
  __m256 target;
  __m256 valid = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  int need_max = 1;
  if (y_at != NULL) {
    target = _mm256_loadu_ps(y_at);
    need_max = _mm256_movemask_ps(_mm256_cmp_ps(target, target, _CMP_UNORD_Q)) != 0;
  }
  if (need_max) {
    __m256 best = _mm256_set1_ps(-INFINITY);
    for (int r = row_from; r < row_to; r++)
      for (int q = col_from; q < col_to; q++) {
        const __m256 v = _mm256_loadu_ps(x + ((size_t)r * s->in_w + q) * channels + c);
        best = _mm256_blendv_ps(best, v, _mm256_cmp_ps(v, best, _CMP_GT_OQ));
      }
    /* strict '>' from -inf: a window of -inf and NaN routes nowhere */
    const __m256 has_max = _mm256_cmp_ps(best, _mm256_set1_ps(-INFINITY), _CMP_GT_OQ);
    if (y_at != NULL) {
      const __m256 nan_lanes = _mm256_cmp_ps(target, target, _CMP_UNORD_Q);
      target = _mm256_blendv_ps(target, best, nan_lanes);
      valid = _mm256_or_ps(_mm256_andnot_ps(nan_lanes, valid), _mm256_and_ps(nan_lanes, has_max));
    } else {
      target = best;
      valid = has_max;
    }
  }
  const __m256 g = _mm256_loadu_ps(dy_at);
  __m256 found = _mm256_andnot_ps(valid, _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
  /*
   * Without a branch on the hits (which the data decides, so that it is
   * mispredicted about once per window): every pixel of the window gets
   * `hit & g`, +0 where it is not the maximum, which leaves dx's value and
   * bits alone (dx starts at +0 and a sum that cancels rounds to +0, so dx is
   * never -0).
   */
  for (int r = row_from; r < row_to; r++)
    for (int q = col_from; q < col_to; q++) {
      const size_t i = ((size_t)r * s->in_w + q) * channels + c;
      const __m256 hit = _mm256_andnot_ps(found, _mm256_cmp_ps(_mm256_loadu_ps(x + i), target, _CMP_EQ_OQ));
      /* tiled: this window is the pixel's only one, and dx was not cleared: +0 + the value, the same bits */
      const __m256 before = tiled ? _mm256_setzero_ps() : _mm256_loadu_ps(dx + i);
      _mm256_storeu_ps(dx + i, _mm256_add_ps(before, _mm256_and_ps(hit, g)));
      found = _mm256_or_ps(found, hit);
    }
}

/*
 * Each dy value goes to the first maximum of its window in row-major order:
 * the first pixel equal to the forward output when it is given (and not NaN),
 * else the first strictly greatest value; the cpu backend's tie rule.
 */
static void max_pool_image(const void *ctx, int n, int thread) {
  (void)thread;
  const pool_job *job = ctx;
  const conv_shape *s = job->s;
  const int channels = s->in_c;
  const int vector_channels = channels - channels % 8;
  const size_t image = (size_t)s->in_h * s->in_w * channels;
  const float *x = job->x + (size_t)n * image;
  float *dx = job->dx + (size_t)n * image;
  /*
   * Windows that tile the image exactly (a 2x2 pool of stride 2 on even sizes, say) cover each
   * pixel once: each window writes its pixels instead of adding into a cleared dx (one pass over
   * dx, not three).
   */
  const int tiled = s->stride_h == s->filter_h && s->stride_w == s->filter_w && s->pad_top == 0 && s->pad_left == 0 &&
                    s->out_h * s->stride_h == s->in_h && s->out_w * s->stride_w == s->in_w;
  if (!tiled) memset(dx, 0, image * sizeof(float));
  for (int oh = 0; oh < s->out_h; oh++) {
    int row_from, row_to;
    window(oh, s->stride_h, s->pad_top, s->filter_h, s->in_h, &row_from, &row_to);
    for (int ow = 0; ow < s->out_w; ow++) {
      int col_from, col_to;
      window(ow, s->stride_w, s->pad_left, s->filter_w, s->in_w, &col_from, &col_to);
      const size_t out_at = (((size_t)n * s->out_h + oh) * s->out_w + ow) * channels;
      for (int c = 0; c < vector_channels; c += 8)
        max_pool_vector(s, x, dx, job->y ? job->y + out_at + c : NULL, job->dy + out_at + c, c, row_from, row_to,
                        col_from, col_to, tiled);
      if (tiled)
        for (int r = row_from; r < row_to; r++)
          for (int q = col_from; q < col_to; q++)
            for (int c = vector_channels; c < channels; c++) dx[((size_t)r * s->in_w + q) * channels + c] = 0.0f;
      for (int c = vector_channels; c < channels; c++) {
        const ptrdiff_t at =
            max_position(s, x, job->y ? job->y + out_at + c : NULL, c, row_from, row_to, col_from, col_to);
        if (at >= 0) dx[at] += job->dy[out_at + c];
      }
    }
  }
}

int max_pool_grad(const conv_shape *s, const float *x, const float *y, const float *dy, float *dx) {
  pool_job job = {s, x, y, dy, dx};
  parallel_for(s->batch, max_pool_image, &job);
  return 0;
}

/* Max and average pooling forward: bands of output rows of one image (parallel_bands). */
typedef struct {
  const conv_shape *s;
  const float *x;
  float *y;
} pool_forward_job;

/* One output pixel of a pooling: y[c] for every channel c from the window rows and columns given. */
typedef void (*pool_pixel_fn)(const conv_shape *s, const float *x, float *y, int row_from, int row_to, int col_from,
                              int col_to);

/*
 * Max pooling, the cpu backend's rule: each output is the window's first strictly greatest value
 * from -infinity in row-major order (NaN never wins; a window of NaN and -infinity gives
 * -infinity; of -0 and +0, the first). Pixels outside the image are not part of the window.
 * 8 channels at a time (a lane-by-lane comparison: the same values as one at a time).
 */
AVX2 static void max_pool_pixel(const conv_shape *s, const float *x, float *y, int row_from, int row_to, int col_from,
                                int col_to) {
  const int channels = s->in_c, vector_channels = channels - channels % 8;
  for (int c = 0; c < vector_channels; c += 8) {
    __m256 best = _mm256_set1_ps(-INFINITY);
    for (int r = row_from; r < row_to; r++)
      for (int q = col_from; q < col_to; q++) {
        const __m256 v = _mm256_loadu_ps(x + ((size_t)r * s->in_w + q) * channels + c);
        best = _mm256_blendv_ps(best, v, _mm256_cmp_ps(v, best, _CMP_GT_OQ));
      }
    _mm256_storeu_ps(y + c, best);
  }
  for (int c = vector_channels; c < channels; c++) {
    float best = -INFINITY;
    for (int r = row_from; r < row_to; r++)
      for (int q = col_from; q < col_to; q++) {
        const float v = x[((size_t)r * s->in_w + q) * channels + c];
        if (v > best) best = v;
      }
    y[c] = best;
  }
}

/*
 * Average pooling forward, the cpu backend's bits: each output is the sum of the window's pixels
 * inside the image, added in float64 in row-major order, divided in float64 by their count, then
 * rounded once to float32 (what the cpu backend's JavaScript does). 8 channels at a time.
 */
AVX2 static void avg_pool_pixel(const conv_shape *s, const float *x, float *y, int row_from, int row_to, int col_from,
                                int col_to) {
  const int channels = s->in_c, vector_channels = channels - channels % 8;
  const int count = (row_to - row_from) * (col_to - col_from);
  const double divisor = count > 0 ? (double)count : 1.0;
  for (int c = 0; c < vector_channels; c += 8) {
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    for (int r = row_from; r < row_to; r++)
      for (int q = col_from; q < col_to; q++) {
        const __m256 v = _mm256_loadu_ps(x + ((size_t)r * s->in_w + q) * channels + c);
        lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
        hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
      }
    const __m256d d = _mm256_set1_pd(divisor);
    _mm256_storeu_ps(y + c, _mm256_set_m128(_mm256_cvtpd_ps(_mm256_div_pd(hi, d)), _mm256_cvtpd_ps(_mm256_div_pd(lo, d))));
  }
  for (int c = vector_channels; c < channels; c++) {
    double sum = 0.0;
    for (int r = row_from; r < row_to; r++)
      for (int q = col_from; q < col_to; q++) sum += x[((size_t)r * s->in_w + q) * channels + c];
    y[c] = (float)(sum / divisor);
  }
}

/* Output rows [oh_from, oh_to) of image n, each pixel by `pixel` (inlined: a constant). */
static inline __attribute__((always_inline)) void pool_rows(const void *ctx, int n, int oh_from, int oh_to,
                                                            pool_pixel_fn pixel) {
  const pool_forward_job *job = ctx;
  const conv_shape *s = job->s;
  const float *x = job->x + (size_t)n * s->in_h * s->in_w * s->in_c;
  for (int oh = oh_from; oh < oh_to; oh++) {
    int row_from, row_to;
    window(oh, s->stride_h, s->pad_top, s->filter_h, s->in_h, &row_from, &row_to);
    for (int ow = 0; ow < s->out_w; ow++) {
      int col_from, col_to;
      window(ow, s->stride_w, s->pad_left, s->filter_w, s->in_w, &col_from, &col_to);
      pixel(s, x, job->y + (((size_t)n * s->out_h + oh) * s->out_w + ow) * s->in_c, row_from, row_to, col_from, col_to);
    }
  }
}

static void max_pool_rows(const void *ctx, int n, int first, int last, int thread) {
  (void)thread;
  pool_rows(ctx, n, first, last, max_pool_pixel);
}

static void avg_pool_rows(const void *ctx, int n, int first, int last, int thread) {
  (void)thread;
  pool_rows(ctx, n, first, last, avg_pool_pixel);
}

static void pool_forward(const conv_shape *s, const float *x, float *y, band_fn rows) {
  const pool_forward_job job = {s, x, y};
  parallel_bands(s->batch, s->out_h, (int64_t)s->out_w * s->in_c, rows, &job);
}

int max_pool(const conv_shape *s, const float *x, float *y) {
  pool_forward(s, x, y, max_pool_rows);
  return 0;
}

int avg_pool(const conv_shape *s, const float *x, float *y) {
  pool_forward(s, x, y, avg_pool_rows);
  return 0;
}

/* Each dy value is spread over its window with weight 1 / (filter_h * filter_w), as the cpu backend does. */
AVX2 static void avg_pool_image(const void *ctx, int n, int thread) {
  (void)thread;
  const pool_job *job = ctx;
  const conv_shape *s = job->s;
  const int channels = s->in_c;
  const size_t image = (size_t)s->in_h * s->in_w * channels;
  float *dx = job->dx + (size_t)n * image;
  const float weight = 1.0f / (float)(s->filter_h * s->filter_w);
  memset(dx, 0, image * sizeof(float));
  for (int oh = 0; oh < s->out_h; oh++) {
    int row_from, row_to;
    window(oh, s->stride_h, s->pad_top, s->filter_h, s->in_h, &row_from, &row_to);
    for (int ow = 0; ow < s->out_w; ow++) {
      int col_from, col_to;
      window(ow, s->stride_w, s->pad_left, s->filter_w, s->in_w, &col_from, &col_to);
      const float *restrict g = job->dy + (((size_t)n * s->out_h + oh) * s->out_w + ow) * channels;
      for (int r = row_from; r < row_to; r++) {
        for (int q = col_from; q < col_to; q++) {
          float *restrict d = dx + ((size_t)r * s->in_w + q) * channels;
          for (int c = 0; c < channels; c++) d[c] += g[c] * weight;
        }
      }
    }
  }
}

int avg_pool_grad(const conv_shape *s, const float *dy, float *dx) {
  pool_job job = {s, NULL, NULL, dy, dx};
  parallel_for(s->batch, avg_pool_image, &job);
  return 0;
}
