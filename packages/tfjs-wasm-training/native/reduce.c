/*
 * Reductions over rows: sums over adjacent axes (bias gradients, also fused
 * with the relu gradient) and training-mode batch normalisation with its
 * gradient. Rows are cut into
 * tasks fixed by the shape; each task sums its rows in blocks of float32
 * lanes added into its own float64 totals, so long sums keep float64
 * accuracy, and the tasks' totals are then added in task order: the same
 * bits whatever thread runs which task, and on any number of threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#define BLOCK_ROWS 64 /* rows summed in float32 before the float64 total */

/* ---- sums over a run of adjacent axes: out[o][i] = sum_r x[o][r][i] ---- */

typedef struct {
  const float *x;
  const float *y; /* with the relu gradient: the relu's output, whose step multiplies x */
  float *dx;      /* with the relu gradient: x * step(y), written; the sum is of these */
  int64_t reduced, inner, rows_per_task, tasks_per_outer;
  double *partial;           /* per task, inner */
  float *block[MAX_THREADS]; /* per thread, inner */
} sum_job;

AVX2 static void add_block(const float *restrict x, int64_t rows, int64_t inner, float *restrict block,
                           double *restrict total) {
  memset(block, 0, sizeof(float) * inner);
  for (int64_t r = 0; r < rows; r++) {
    const float *restrict row = x + r * inner;
    for (int64_t i = 0; i < inner; i++) block[i] += row[i];
  }
  for (int64_t i = 0; i < inner; i++) total[i] += block[i];
}

/*
 * add_block of dx = dy * step(y), each dx also written out: the values and
 * the order of the additions of relu_grad followed by add_block (the product
 * is exact: dy, a signed zero or NaN), in one pass.
 */
AVX2 static void add_relu_grad_block(const float *restrict dy, const float *restrict y, float *restrict dx, int64_t rows,
                                     int64_t inner, float *restrict block, double *restrict total) {
  memset(block, 0, sizeof(float) * inner);
  for (int64_t r = 0; r < rows; r++) {
    const float *restrict dy_row = dy + r * inner, *restrict y_row = y + r * inner;
    float *restrict dx_row = dx + r * inner;
    for (int64_t i = 0; i < inner; i++) {
      const float step = y_row[i] > 0.0f ? 1.0f : (y_row[i] == y_row[i] ? 0.0f : __builtin_nanf(""));
      const float v = dy_row[i] * step;
      dx_row[i] = v;
      block[i] += v;
    }
  }
  for (int64_t i = 0; i < inner; i++) total[i] += block[i];
}

static void sum_task(const void *ctx, int task, int thread) {
  const sum_job *job = ctx;
  const int64_t o = task / job->tasks_per_outer;
  const int64_t r0 = (task % job->tasks_per_outer) * job->rows_per_task;
  const int64_t r1 = r0 + job->rows_per_task < job->reduced ? r0 + job->rows_per_task : job->reduced;
  double *total = job->partial + (int64_t)task * job->inner;
  for (int64_t r = r0; r < r1; r += BLOCK_ROWS) {
    const int64_t rows = r1 - r < BLOCK_ROWS ? r1 - r : BLOCK_ROWS;
    const int64_t at = (o * job->reduced + r) * job->inner;
    if (job->y)
      add_relu_grad_block(job->x + at, job->y + at, job->dx + at, rows, job->inner, job->block[thread], total);
    else
      add_block(job->x + at, rows, job->inner, job->block[thread], total);
  }
}

/*
 * out[o][i] = the sum over r of x[o][r][i], in double, divided by `reduced`
 * when `mean` (then rounded to float). With y and dx, the sum is of
 * dx = x * step(y), written out as well.
 */
static int reduce_adjacent(const float *x, const float *y, float *dx, float *out, int64_t outer, int64_t reduced,
                           int64_t inner, int mean) {
  const int threads = pool_threads();
  sum_job job;
  memset(&job, 0, sizeof job);
  job.x = x;
  job.y = y;
  job.dx = dx;
  job.reduced = reduced;
  job.inner = inner;
  /* about 64K values per task, at least one block of rows */
  int64_t rows = (65536 + inner - 1) / inner;
  rows = ((rows + BLOCK_ROWS - 1) / BLOCK_ROWS) * BLOCK_ROWS;
  job.rows_per_task = rows;
  job.tasks_per_outer = (reduced + rows - 1) / rows;
  const int64_t tasks = outer * job.tasks_per_outer;
  int failed = tasks > 0x7fffffff;
  if (!failed) {
    job.partial = calloc((size_t)(tasks * inner), sizeof(double));
    failed = !job.partial;
  }
  for (int t = 0; t < threads; t++) {
    job.block[t] = aligned_floats((size_t)inner);
    if (!job.block[t]) failed = 1;
  }
  if (!failed) {
    parallel_for((int)tasks, sum_task, &job);
    /* the tasks of each outer index, in order */
    for (int64_t o = 0; o < outer; o++) {
      double *total = job.partial + o * job.tasks_per_outer * inner;
      for (int64_t k = 1; k < job.tasks_per_outer; k++) {
        const double *part = total + k * inner;
        for (int64_t i = 0; i < inner; i++) total[i] += part[i];
      }
      if (mean) {
        for (int64_t i = 0; i < inner; i++) out[o * inner + i] = (float)(total[i] / (double)reduced);
      } else {
        for (int64_t i = 0; i < inner; i++) out[o * inner + i] = (float)total[i];
      }
    }
  }
  free(job.partial);
  for (int t = 0; t < threads; t++) free(job.block[t]);
  return failed ? -1 : 0;
}

int sum_adjacent(const float *x, float *out, int64_t outer, int64_t reduced, int64_t inner) {
  return reduce_adjacent(x, NULL, NULL, out, outer, reduced, inner, 0);
}

int mean_adjacent(const float *x, float *out, int64_t outer, int64_t reduced, int64_t inner) {
  return reduce_adjacent(x, NULL, NULL, out, outer, reduced, inner, 1);
}

/*
 * The gradient of relu(conv + bias) before the convolution: dx = dy * step(y)
 * (y the relu's output: step(y) = step(conv + bias), NaN included) and
 * dbias[c] = the sum of dx over its rows, in one pass: the bits of relu_grad
 * followed by sum_adjacent(dx, dbias, 1, rows, channels).
 */
int relu_bias_grad(const float *dy, const float *y, float *dx, float *dbias, int64_t rows, int64_t channels) {
  return reduce_adjacent(dy, y, dx, dbias, 1, rows, channels, 0);
}

/* ---- batch normalisation with the batch's own statistics ---- */

typedef struct {
  const float *a, *b;  /* x and NULL (statistics), or dy and y (gradient sums) */
  const float *shift;  /* statistics: subtracted before summing */
  int64_t rows;
  int channels;
  int64_t rows_per_task;
  double *first, *second;                            /* per task, channels */
  float *block1[MAX_THREADS], *block2[MAX_THREADS]; /* per thread, channels */
  /* the output pass */
  const float *scale_src1, *scale_src2; /* dy, y for the gradient */
  const float *mean, *inv_std, *mean_dy, *mean_dy_y;
  float *out;
} norm_job;

/* Per channel sums of (a - shift) and its square, or of a and a * b, over a block of rows. */
AVX2 static void norm_sums_task(const void *ctx, int task, int thread) {
  const norm_job *job = ctx;
  const int channels = job->channels;
  const int64_t r0 = task * job->rows_per_task;
  const int64_t r1 = r0 + job->rows_per_task < job->rows ? r0 + job->rows_per_task : job->rows;
  float *restrict s1 = job->block1[thread], *restrict s2 = job->block2[thread];
  double *restrict t1 = job->first + task * (int64_t)channels, *restrict t2 = job->second + task * (int64_t)channels;
  for (int64_t r = r0; r < r1; r += BLOCK_ROWS) {
    const int64_t end = r1 - r < BLOCK_ROWS ? r1 : r + BLOCK_ROWS;
    memset(s1, 0, sizeof(float) * channels);
    memset(s2, 0, sizeof(float) * channels);
    for (int64_t q = r; q < end; q++) {
      const float *restrict a = job->a + q * channels;
      if (job->b == NULL) {
        const float *restrict shift = job->shift;
        for (int c = 0; c < channels; c++) {
          const float v = a[c] - shift[c];
          s1[c] += v;
          s2[c] += v * v;
        }
      } else {
        const float *restrict b = job->b + q * channels;
        for (int c = 0; c < channels; c++) {
          s1[c] += a[c];
          s2[c] += a[c] * b[c];
        }
      }
    }
    for (int c = 0; c < channels; c++) {
      t1[c] += s1[c];
      t2[c] += s2[c];
    }
  }
}

static int norm_sums(norm_job *job, double *first, double *second) {
  const int threads = pool_threads();
  const int channels = job->channels;
  int64_t rows = (65536 + channels - 1) / channels;
  job->rows_per_task = ((rows + BLOCK_ROWS - 1) / BLOCK_ROWS) * BLOCK_ROWS;
  const int64_t tasks = (job->rows + job->rows_per_task - 1) / job->rows_per_task;
  int failed = tasks > 0x7fffffff;
  if (!failed) {
    job->first = calloc((size_t)(tasks * channels), sizeof(double));
    job->second = calloc((size_t)(tasks * channels), sizeof(double));
    failed = !job->first || !job->second;
  }
  for (int t = 0; t < threads; t++) {
    job->block1[t] = aligned_floats((size_t)channels);
    job->block2[t] = aligned_floats((size_t)channels);
    if (!job->block1[t] || !job->block2[t]) failed = 1;
  }
  if (!failed) {
    parallel_for((int)tasks, norm_sums_task, job);
    /* the tasks' totals in task order */
    for (int c = 0; c < channels; c++) first[c] = second[c] = 0;
    for (int64_t k = 0; k < tasks; k++) {
      const double *f = job->first + k * channels, *q = job->second + k * channels;
      for (int c = 0; c < channels; c++) {
        first[c] += f[c];
        second[c] += q[c];
      }
    }
  }
  free(job->first);
  free(job->second);
  job->first = job->second = NULL;
  for (int t = 0; t < threads; t++) {
    free(job->block1[t]);
    free(job->block2[t]);
  }
  return failed ? -1 : 0;
}

AVX2 static void normalize_task(const void *ctx, int task, int thread) {
  (void)thread;
  const norm_job *job = ctx;
  const int channels = job->channels;
  const int64_t r0 = task * job->rows_per_task;
  const int64_t r1 = r0 + job->rows_per_task < job->rows ? r0 + job->rows_per_task : job->rows;
  const float *restrict mean = job->mean, *restrict inv_std = job->inv_std;
  for (int64_t r = r0; r < r1; r++) {
    const float *restrict x = job->a + r * channels;
    float *restrict y = job->out + r * channels;
    for (int c = 0; c < channels; c++) y[c] = (x[c] - mean[c]) * inv_std[c];
  }
}

AVX2 static void normalize_grad_task(const void *ctx, int task, int thread) {
  (void)thread;
  const norm_job *job = ctx;
  const int channels = job->channels;
  const int64_t r0 = task * job->rows_per_task;
  const int64_t r1 = r0 + job->rows_per_task < job->rows ? r0 + job->rows_per_task : job->rows;
  const float *restrict mdy = job->mean_dy, *restrict mdyy = job->mean_dy_y, *restrict inv_std = job->inv_std;
  for (int64_t r = r0; r < r1; r++) {
    const float *restrict dy = job->a + r * channels;
    const float *restrict y = job->b + r * channels;
    float *restrict dx = job->out + r * channels;
    for (int c = 0; c < channels; c++) dx[c] = (dy[c] - mdy[c] - y[c] * mdyy[c]) * inv_std[c];
  }
}

/*
 * y = (x - mean) / sqrt(variance + epsilon) per channel (the last axis) over
 * `rows` rows; mean and (biased) variance are written out. The sums are taken
 * around the first row, so that a large mean does not cancel.
 */
int normalize_batch(const float *x, float *y, float *mean_out, float *variance_out, int64_t rows, int channels,
                    float epsilon) {
  double *first = malloc(sizeof(double) * channels), *second = malloc(sizeof(double) * channels);
  float *mean = malloc(sizeof(float) * channels), *inv_std = malloc(sizeof(float) * channels);
  int failed = !first || !second || !mean || !inv_std;
  norm_job job;
  memset(&job, 0, sizeof job);
  job.a = x;
  job.shift = x;
  job.rows = rows;
  job.channels = channels;
  if (!failed) failed = norm_sums(&job, first, second);
  if (!failed) {
    for (int c = 0; c < channels; c++) {
      const double m = first[c] / (double)rows;
      double variance = second[c] / (double)rows - m * m;
      if (variance < 0) variance = 0;
      const double full_mean = (double)x[c] + m;
      mean[c] = (float)full_mean;
      mean_out[c] = (float)full_mean;
      variance_out[c] = (float)variance;
      inv_std[c] = (float)(1.0 / sqrt(variance + (double)epsilon));
    }
    job.mean = mean;
    job.inv_std = inv_std;
    job.out = y;
    parallel_for((int)((rows + job.rows_per_task - 1) / job.rows_per_task), normalize_task, &job);
  }
  free(first);
  free(second);
  free(mean);
  free(inv_std);
  return failed ? -1 : 0;
}

/* dx = (dy - mean(dy) - y * mean(dy * y)) / sqrt(variance + epsilon), the means per channel. */
int normalize_batch_grad(const float *dy, const float *y, const float *variance, float *dx, int64_t rows,
                         int channels, float epsilon) {
  double *first = malloc(sizeof(double) * channels), *second = malloc(sizeof(double) * channels);
  float *mean_dy = malloc(sizeof(float) * channels), *mean_dy_y = malloc(sizeof(float) * channels);
  float *inv_std = malloc(sizeof(float) * channels);
  int failed = !first || !second || !mean_dy || !mean_dy_y || !inv_std;
  norm_job job;
  memset(&job, 0, sizeof job);
  job.a = dy;
  job.b = y;
  job.rows = rows;
  job.channels = channels;
  if (!failed) failed = norm_sums(&job, first, second);
  if (!failed) {
    for (int c = 0; c < channels; c++) {
      mean_dy[c] = (float)(first[c] / (double)rows);
      mean_dy_y[c] = (float)(second[c] / (double)rows);
      inv_std[c] = (float)(1.0 / sqrt((double)variance[c] + (double)epsilon));
    }
    job.mean_dy = mean_dy;
    job.mean_dy_y = mean_dy_y;
    job.inv_std = inv_std;
    job.out = dx;
    parallel_for((int)((rows + job.rows_per_task - 1) / job.rows_per_task), normalize_grad_task, &job);
  }
  free(first);
  free(second);
  free(mean_dy);
  free(mean_dy_y);
  free(inv_std);
  return failed ? -1 : 0;
}
