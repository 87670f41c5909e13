/* The thread pool and per-thread scratch memory of the native kernels. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/* ------------------------------------------------------------------------ */
/*
 * Thread pool: the calling thread works too; tasks are taken from a counter,
 * so which thread runs which task depends on timing. No kernel lets that
 * change a result: a task writes only its own part of the output, or sums
 * into its own buffer (ordered_sum), combined in task order afterwards.
 */

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

void addon_lock(void) { pthread_mutex_lock(&call_mu); }
void addon_unlock(void) { pthread_mutex_unlock(&call_mu); }

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

int pool_set_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads == pool.threads) return threads;
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
  return started;
}

int pool_threads(void) { return pool.threads; }

void parallel_for(int tasks, task_fn fn, const void *ctx) {
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

typedef struct {
  band_fn fn;
  const void *ctx;
  int rows, band; /* rows per image, rows per band */
} bands_job;

static void band_task(const void *ctx, int task, int thread) {
  const bands_job *b = ctx;
  const int bands = (b->rows + b->band - 1) / b->band;
  const int n = task / bands, first = (task % bands) * b->band;
  b->fn(b->ctx, n, first, first + b->band < b->rows ? first + b->band : b->rows, thread);
}

void parallel_bands(int batch, int rows, int64_t row_floats, band_fn fn, const void *ctx) {
  if (batch <= 0 || rows <= 0) return;
  int64_t band = row_floats >= 2048 ? 1 : 2048 / (row_floats > 0 ? row_floats : 1);
  if (band > rows) band = rows;
  const bands_job b = {fn, ctx, rows, (int)band};
  parallel_for(batch * ((rows + b.band - 1) / b.band), band_task, &b);
}

/* Per-thread scratch buffers, grown on demand, 64-byte aligned. */
static float *scratch[MAX_THREADS][3];
static size_t scratch_size[MAX_THREADS][3];
static const float **pointers[MAX_THREADS];
static size_t pointers_size[MAX_THREADS];

float *aligned_floats(size_t count) {
  return aligned_alloc(64, ((count * sizeof(float) + 63) / 64) * 64 + 64);
}

float *scratch_floats(int thread, int which, size_t count) {
  if (scratch_size[thread][which] < count) {
    free(scratch[thread][which]);
    scratch[thread][which] = aligned_floats(count);
    scratch_size[thread][which] = scratch[thread][which] ? count : 0;
  }
  return scratch[thread][which];
}

static float *call_buffer[CALL_BUFFERS];
static size_t call_buffer_size[CALL_BUFFERS];

float *call_floats(int which, size_t count) {
  if (call_buffer_size[which] < count) {
    free(call_buffer[which]);
    call_buffer[which] = aligned_floats(count);
    call_buffer_size[which] = call_buffer[which] ? count : 0;
  }
  return call_buffer[which];
}

const float **scratch_pointers(int thread, size_t count) {
  if (pointers_size[thread] < count) {
    free(pointers[thread]);
    pointers[thread] = malloc(count * sizeof(float *));
    pointers_size[thread] = pointers[thread] ? count : 0;
  }
  return pointers[thread];
}

/* ------------------------------------------------------------------------ */
/* Sums in a fixed order (runtime.h). */

/* Partial buffers of all chunks together at most this many floats (16 MB), but at least 4 chunks. */
#define CHUNK_FLOATS_BUDGET ((size_t)4 << 20)

int sum_chunks(int64_t units, int64_t per_chunk, size_t size) {
  if (units <= 0) return 0;
  if (per_chunk < 1) per_chunk = 1;
  int64_t chunks = (units + per_chunk - 1) / per_chunk;
  if (chunks > MAX_CHUNKS) chunks = MAX_CHUNKS;
  const size_t fit = size > 0 ? CHUNK_FLOATS_BUDGET / size : MAX_CHUNKS;
  if ((size_t)chunks > fit) chunks = fit > 4 ? (int64_t)fit : 4;
  if (chunks > units) chunks = units;
  return (int)chunks;
}

typedef struct {
  task_fn fn;
  const void *job;
  float *const *partial;
  size_t size;
  int clear;
} chunk_run;

static void chunk_task(const void *ctx, int chunk, int thread) {
  const chunk_run *run = ctx;
  if (run->clear) memset(run->partial[chunk], 0, run->size * sizeof(float));
  run->fn(run->job, chunk, thread);
}

#define REDUCE_SPAN 16384 /* floats per task of the final reduction */

typedef struct {
  float *out;
  float *const *partial;
  int chunks;
  size_t size;
} reduce_run;

/* out[i] += partial[1][i], then partial[2][i], ...: the same order for every i, whoever runs it. */
static void reduce_task(const void *ctx, int task, int thread) {
  (void)thread;
  const reduce_run *run = ctx;
  const size_t from = (size_t)task * REDUCE_SPAN;
  const size_t to = from + REDUCE_SPAN < run->size ? from + REDUCE_SPAN : run->size;
  float *restrict out = run->out;
  for (int c = 1; c < run->chunks; c++) {
    const float *restrict p = run->partial[c];
    for (size_t i = from; i < to; i++) out[i] += p[i];
  }
}

int ordered_sum(int chunks, task_fn fn, const void *job, float **partial, float *out, size_t size, int clear) {
  if (chunks < 1) {
    memset(out, 0, size * sizeof(float));
    return 0;
  }
  if (chunks > MAX_CHUNKS) return -1;
  const size_t stride = (size + 15) & ~(size_t)15; /* whole 64-byte lines per chunk */
  float *buffers = NULL;
  if (chunks > 1) {
    buffers = call_floats(CALL_PARTIAL, stride * (size_t)(chunks - 1));
    if (!buffers) return -1;
  }
  partial[0] = out;
  for (int c = 1; c < chunks; c++) partial[c] = buffers + stride * (size_t)(c - 1);
  chunk_run run = {fn, job, partial, size, clear};
  parallel_for(chunks, chunk_task, &run);
  if (chunks > 1) {
    reduce_run reduce = {out, partial, chunks, size};
    parallel_for((int)((size + REDUCE_SPAN - 1) / REDUCE_SPAN), reduce_task, &reduce);
  }
  for (int c = 0; c < chunks; c++) partial[c] = NULL;
  return 0;
}
