/*
 * Data movement and cheap elementwise kernels: box copies (slice, concat,
 * split, pad), fills, relu and its gradient, and additions, split over the
 * threads.
 */
#include <string.h>

#include "runtime.h"

#define MAX_RANK 8
#define ROWS_PER_TASK_VALUES 65536 /* about this many values per task */

typedef struct {
  const uint32_t *src;
  uint32_t *dst;
  int rank;                       /* after merging, the last axis is the contiguous run */
  int64_t size[MAX_RANK];
  int64_t src_stride[MAX_RANK], dst_stride[MAX_RANK];
  int64_t src_base, dst_base;
  int64_t rows, rows_per_task;
} box_job;

static void box_task(const void *ctx, int task, int thread) {
  (void)thread;
  const box_job *job = ctx;
  const int last = job->rank - 1;
  const int64_t run = job->size[last];
  const int64_t r0 = (int64_t)task * job->rows_per_task;
  const int64_t r1 = r0 + job->rows_per_task < job->rows ? r0 + job->rows_per_task : job->rows;
  for (int64_t r = r0; r < r1; r++) {
    int64_t rest = r, src = job->src_base, dst = job->dst_base;
    for (int a = last - 1; a >= 0; a--) {
      const int64_t i = rest % job->size[a];
      rest /= job->size[a];
      src += i * job->src_stride[a];
      dst += i * job->dst_stride[a];
    }
    memcpy(job->dst + dst, job->src + src, (size_t)run * sizeof(uint32_t));
  }
}

/*
 * Copies the box `size` at `src_begin` of a row-major tensor of shape
 * `src_shape` to `dst_begin` of one of shape `dst_shape` (4-byte values; the
 * caller has checked that the box fits both).
 */
int copy_box(const uint32_t *src, uint32_t *dst, int rank, const int64_t *src_shape, const int64_t *dst_shape,
             const int64_t *src_begin, const int64_t *dst_begin, const int64_t *size) {
  box_job job;
  memset(&job, 0, sizeof job);
  job.src = src;
  job.dst = dst;
  int64_t src_stride[MAX_RANK], dst_stride[MAX_RANK];
  int64_t ss = 1, ds = 1;
  for (int a = rank - 1; a >= 0; a--) {
    src_stride[a] = ss;
    dst_stride[a] = ds;
    ss *= src_shape[a];
    ds *= dst_shape[a];
    job.src_base += src_begin[a] * src_stride[a];
    job.dst_base += dst_begin[a] * dst_stride[a];
  }
  for (int a = 0; a < rank; a++)
    if (size[a] == 0) return 0;
  /* Merge trailing axes that are whole in both tensors into one contiguous run. */
  int keep = rank;
  while (keep > 1 && size[keep - 1] == src_shape[keep - 1] && size[keep - 1] == dst_shape[keep - 1]) keep--;
  job.rank = keep;
  for (int a = 0; a < keep; a++) {
    job.size[a] = size[a];
    job.src_stride[a] = src_stride[a];
    job.dst_stride[a] = dst_stride[a];
  }
  for (int a = keep; a < rank; a++) job.size[keep - 1] *= size[a];
  job.rows = 1;
  for (int a = 0; a < keep - 1; a++) job.rows *= job.size[a];
  const int64_t run = job.size[keep - 1];
  job.rows_per_task = run >= ROWS_PER_TASK_VALUES ? 1 : ROWS_PER_TASK_VALUES / run;
  parallel_for((int)((job.rows + job.rows_per_task - 1) / job.rows_per_task), box_task, &job);
  return 0;
}

/* Elementwise kernels: task `task` covers values [task * ROWS_PER_TASK_VALUES, task_end(task, count)). */
static inline int64_t task_end(int task, int64_t count) {
  const int64_t end = ((int64_t)task + 1) * ROWS_PER_TASK_VALUES;
  return end < count ? end : count;
}
static inline int value_tasks(int64_t count) { return (int)((count + ROWS_PER_TASK_VALUES - 1) / ROWS_PER_TASK_VALUES); }

typedef struct {
  uint32_t *dst;
  uint32_t value;
  int64_t count;
} fill_job;

static void fill_task(const void *ctx, int task, int thread) {
  (void)thread;
  const fill_job *job = ctx;
  const int64_t from = (int64_t)task * ROWS_PER_TASK_VALUES, to = task_end(task, job->count);
  for (int64_t i = from; i < to; i++) job->dst[i] = job->value;
}

/* Sets `count` 4-byte values to `value`. */
int fill_values(uint32_t *dst, int64_t count, uint32_t value) {
  fill_job job = {dst, value, count};
  parallel_for(value_tasks(count), fill_task, &job);
  return 0;
}

typedef struct {
  const float *dy, *x;
  float *dx;
  int64_t count;
} relu_job;

AVX2 static void relu_grad_task(const void *ctx, int task, int thread) {
  (void)thread;
  const relu_job *job = ctx;
  const int64_t from = (int64_t)task * ROWS_PER_TASK_VALUES, to = task_end(task, job->count);
  const float *restrict dy = job->dy, *restrict x = job->x;
  float *restrict dx = job->dx;
  for (int64_t i = from; i < to; i++) {
    const float step = x[i] > 0.0f ? 1.0f : (x[i] == x[i] ? 0.0f : __builtin_nanf(""));
    dx[i] = dy[i] * step;
  }
}

/* dx = dy * step(x): step is 1 where x > 0, 0 elsewhere and NaN where x is NaN, as tfjs-core's relu gradient. */
int relu_grad(const float *dy, const float *x, float *dx, int64_t count) {
  relu_job job = {dy, x, dx, count};
  parallel_for(value_tasks(count), relu_grad_task, &job);
  return 0;
}

typedef struct {
  const float *x;
  float *y;
  int64_t count;
} relu_forward_job;

AVX2 static void relu_task(const void *ctx, int task, int thread) {
  (void)thread;
  const relu_forward_job *job = ctx;
  const int64_t from = (int64_t)task * ROWS_PER_TASK_VALUES, to = task_end(task, job->count);
  const float *restrict x = job->x;
  float *restrict y = job->y;
  for (int64_t i = from; i < to; i++) y[i] = x[i] > 0.0f ? x[i] : (x[i] == x[i] ? 0.0f : x[i]);
}

/* y = max(x, 0) as the wasm backend's Relu: NaN stays NaN, -0 becomes +0. */
int relu_forward(const float *x, float *y, int64_t count) {
  relu_forward_job job = {x, y, count};
  parallel_for(value_tasks(count), relu_task, &job);
  return 0;
}

typedef struct {
  const float *a, *b;
  float *out;
  int64_t count;
  int64_t period; /* b repeats every `period` values (count when a and b have the same shape) */
} add_job;

AVX2 static void add_task(const void *ctx, int task, int thread) {
  (void)thread;
  const add_job *job = ctx;
  const int64_t from = (int64_t)task * ROWS_PER_TASK_VALUES, to = task_end(task, job->count);
  const float *restrict a = job->a, *restrict b = job->b;
  float *restrict out = job->out;
  if (job->period == job->count) {
    for (int64_t i = from; i < to; i++) out[i] = a[i] + b[i];
    return;
  }
  const int64_t period = job->period;
  int64_t i = from;
  for (int64_t j = from % period; i < to && j != 0 && j < period; i++, j++) out[i] = a[i] + b[j];
  for (; i + period <= to; i += period)
    for (int64_t j = 0; j < period; j++) out[i + j] = a[i + j] + b[j];
  for (int64_t j = 0; i < to; i++, j++) out[i] = a[i] + b[j];
}

/*
 * out[i] = a[i] + b[i % period]: the same shape (period = count), or b a
 * vector of the last axis (a bias). One float32 addition per value, so the
 * same bits as any backend's Add.
 */
int add_values(const float *a, const float *b, float *out, int64_t count, int64_t period) {
  if (period <= 0 || count % period != 0) return -1;
  add_job job = {a, b, out, count, period};
  parallel_for(value_tasks(count), add_task, &job);
  return 0;
}

typedef struct {
  const uint32_t *src;
  uint32_t *dst;
  int rank;                  /* kept axes, each followed by the inner block */
  int64_t src_shape[MAX_RANK], out_shape[MAX_RANK];
  int64_t src_stride[MAX_RANK]; /* in values, the inner block included */
  int64_t block;             /* values copied whole: the trailing axes that are not repeated */
  int64_t rows, rows_per_task; /* rows: the output's index over every kept axis but the last */
} tile_job;

static void tile_task(const void *ctx, int task, int thread) {
  (void)thread;
  const tile_job *job = ctx;
  const int last = job->rank - 1;
  const int64_t n = job->out_shape[last], s = job->src_shape[last];
  const int64_t period = s * job->block, row_length = n * job->block;
  const int64_t r0 = (int64_t)task * job->rows_per_task;
  const int64_t r1 = r0 + job->rows_per_task < job->rows ? r0 + job->rows_per_task : job->rows;
  for (int64_t r = r0; r < r1; r++) {
    int64_t rest = r, src = 0;
    for (int a = last - 1; a >= 0; a--) {
      const int64_t i = rest % job->out_shape[a];
      rest /= job->out_shape[a];
      src += (i % job->src_shape[a]) * job->src_stride[a];
    }
    uint32_t *restrict d = job->dst + r * row_length;
    /* The source's run along the last kept axis, then its copies: the row repeats with that period. */
    memcpy(d, job->src + src, (size_t)period * sizeof(uint32_t));
    if (period >= 64) {
      for (int64_t k = period; k < row_length; k += period) memcpy(d + k, d, (size_t)period * sizeof(uint32_t));
    } else {
      for (int64_t k = period; k < row_length; k++) d[k] = d[k - period];
    }
  }
}

/*
 * Tiles a row-major tensor of shape `src_shape` `reps[a]` times along each
 * axis a (4-byte values): out[i] = src[i % src_shape] index by index, the
 * output of shape src_shape * reps. This is tfjs's `Tile`, which
 * `broadcastTo` runs.
 */
int tile_values(const uint32_t *src, uint32_t *dst, int rank, const int64_t *src_shape, const int64_t *reps) {
  tile_job job;
  memset(&job, 0, sizeof job);
  job.src = src;
  job.dst = dst;
  for (int a = 0; a < rank; a++)
    if (src_shape[a] == 0 || reps[a] == 0) return 0;
  /* Trailing axes that are not repeated are copied whole, as one block. */
  int keep = rank;
  job.block = 1;
  while (keep > 0 && reps[keep - 1] == 1) job.block *= src_shape[--keep];
  if (keep == 0) {
    /* Nothing repeated: one kept axis of length 1. */
    keep = 1;
    job.src_shape[0] = job.out_shape[0] = 1;
    job.src_stride[0] = job.block;
  } else {
    int64_t stride = job.block;
    for (int a = keep - 1; a >= 0; a--) {
      job.src_shape[a] = src_shape[a];
      job.out_shape[a] = src_shape[a] * reps[a];
      job.src_stride[a] = stride;
      stride *= src_shape[a];
    }
  }
  job.rank = keep;
  job.rows = 1;
  for (int a = 0; a < keep - 1; a++) job.rows *= job.out_shape[a];
  const int64_t row_length = job.out_shape[keep - 1] * job.block;
  job.rows_per_task = row_length >= ROWS_PER_TASK_VALUES ? 1 : ROWS_PER_TASK_VALUES / row_length;
  parallel_for((int)((job.rows + job.rows_per_task - 1) / job.rows_per_task), tile_task, &job);
  return 0;
}
