/*
 * Gradients of 2-D max and average pooling (NHWC), one task per image: each
 * task writes only its own image of dx.
 */
#include <math.h>
#include <string.h>

#include "runtime.h"

typedef struct {
  const conv_shape *s;
  const float *x;  /* max pool: the input */
  const float *y;  /* max pool: the forward output, or NULL */
  const float *dy;
  float *dx;
} pool_job;

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
  const size_t image = (size_t)s->in_h * s->in_w * channels;
  const float *x = job->x + (size_t)n * image;
  float *dx = job->dx + (size_t)n * image;
  memset(dx, 0, image * sizeof(float));
  for (int oh = 0; oh < s->out_h; oh++) {
    const int row_start = oh * s->stride_h - s->pad_top;
    const int row_from = row_start < 0 ? 0 : row_start;
    const int row_to = row_start + s->filter_h < s->in_h ? row_start + s->filter_h : s->in_h;
    for (int ow = 0; ow < s->out_w; ow++) {
      const int col_start = ow * s->stride_w - s->pad_left;
      const int col_from = col_start < 0 ? 0 : col_start;
      const int col_to = col_start + s->filter_w < s->in_w ? col_start + s->filter_w : s->in_w;
      const size_t out_at = (((size_t)n * s->out_h + oh) * s->out_w + ow) * channels;
      for (int c = 0; c < channels; c++) {
        ptrdiff_t at = -1;
        if (job->y != NULL && !isnan(job->y[out_at + c])) {
          const float target = job->y[out_at + c];
          for (int r = row_from; r < row_to && at < 0; r++) {
            for (int q = col_from; q < col_to; q++) {
              const size_t i = ((size_t)r * s->in_w + q) * channels + c;
              if (x[i] == target) {
                at = (ptrdiff_t)i;
                break;
              }
            }
          }
        } else {
          float best = -INFINITY;
          for (int r = row_from; r < row_to; r++) {
            for (int q = col_from; q < col_to; q++) {
              const size_t i = ((size_t)r * s->in_w + q) * channels + c;
              if (x[i] > best) {
                best = x[i];
                at = (ptrdiff_t)i;
              }
            }
          }
        }
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
    const int row_start = oh * s->stride_h - s->pad_top;
    const int row_from = row_start < 0 ? 0 : row_start;
    const int row_to = row_start + s->filter_h < s->in_h ? row_start + s->filter_h : s->in_h;
    for (int ow = 0; ow < s->out_w; ow++) {
      const int col_start = ow * s->stride_w - s->pad_left;
      const int col_from = col_start < 0 ? 0 : col_start;
      const int col_to = col_start + s->filter_w < s->in_w ? col_start + s->filter_w : s->in_w;
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
